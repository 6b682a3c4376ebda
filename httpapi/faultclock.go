package httpapi

import (
	"net/http"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// PathFaultClock is the runtime control of a node's clock skew.
const PathFaultClock = "/api/v1/fault/clock"

// clockState is the answer of GET and POST PathFaultClock.
type clockState struct {
	Offset string    `json:"offset"` // a Go duration: "-2h0m0s", "0s"
	Now    time.Time `json:"now"`    // the clock's time, offset included
}

// MountClockControl adds GET and POST PathFaultClock behind the API key,
// for fault injection only (serve mounts it with --unsafe-fault-injection):
// POST {"offset":"-2h"} sets c's skew at once, GET reads it; both answer
// {"offset":"-2h0m0s","now":"<RFC 3339 time of c>"}.
func (s *Server) MountClockControl(c *memory.Clock) {
	state := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, clockState{Offset: c.Skew().String(), Now: c.NowTime()})
	}
	s.Handle("GET "+PathFaultClock, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { state(w) }))
	s.Handle("POST "+PathFaultClock, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Offset *string `json:"offset"`
		}
		if err := decodeJSON(r, &in, false); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Offset == nil {
			s.fail(w, r, memory.Errorf(memory.CodeInvalid, `offset is required, e.g. {"offset":"-2h"} or {"offset":"0s"}`))
			return
		}
		d, err := time.ParseDuration(*in.Offset)
		if err != nil {
			s.fail(w, r, memory.Errorf(memory.CodeInvalid, "offset %q: want a Go duration such as -90s, 2h or 0s", *in.Offset))
			return
		}
		c.SetSkew(d)
		s.log.Warn("clock offset changed", "offset", d.String())
		state(w)
	}))
}

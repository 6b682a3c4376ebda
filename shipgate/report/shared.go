package report

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// SharedPostgresFile is the artifact of a shared-postgres campaign.
const SharedPostgresFile = "shared-postgres.json"

// SharedPostgres is the shared-postgres topology's evidence: nodes without
// federation on one PostgreSQL, checked where phases 1, 2 and 4 apply.
type SharedPostgres struct {
	Topology string   `json:"topology"`
	Nodes    int      `json:"nodes"`
	Pass     bool     `json:"pass"`
	Reasons  []string `json:"reasons"`
	// PostgresStartMS is initdb plus start of the campaign's server.
	PostgresStartMS float64          `json:"postgres_start_ms"`
	Functional      SharedFunctional `json:"functional"`
	Burst           SharedBurst      `json:"burst"`
	// Chaos holds the cycles and per-class results; Refused counts, per
	// "class/cycle", writes acknowledged while the database was certainly
	// out of reach of the node that acknowledged them.
	Chaos   *Phase4        `json:"chaos"`
	Refused map[string]int `json:"acked_while_db_unreachable"`
	// Unanswered counts, likewise, writes through a node out of the
	// database's reach that got no answer at all (the node hung instead
	// of answering 503).
	Unanswered map[string]int `json:"unanswered_while_db_unreachable"`
	Throughput []Throughput   `json:"throughput"`
	Timing
}

// SharedFunctional is phase 1 where it applies: a memory stored through
// one node is read back through every node, and survives SIGKILL and a
// restart of the node that wrote it.
type SharedFunctional struct {
	Steps           []Step   `json:"steps"`
	VisibleOn       []string `json:"visible_on"`
	RestartSurvival bool     `json:"restart_survival"`
}

// SharedBurst is phase 2 where it applies: concurrent writers through every
// node, one node SIGKILLed mid-burst and restarted, then every
// acknowledged write visible through every node with identical content.
type SharedBurst struct {
	Writes      int                 `json:"writes"`
	Clients     int                 `json:"clients"`
	OK          int                 `json:"ok"`
	Unknown     int                 `json:"unknown"`
	Fail        int                 `json:"fail"`
	Killed      string              `json:"killed"`
	KilledAfter int                 `json:"killed_after_acks"`
	Restarted   bool                `json:"restarted"`
	Missing     map[string][]string `json:"missing_ids"`
	Identical   bool                `json:"identical_content"`
	ConvergeMS  float64             `json:"converge_ms"`
	History     string              `json:"history"`
	Errors      []string            `json:"errors,omitempty"`
}

// Throughput is one write-rate measurement; it is informational.
type Throughput struct {
	Store     string  `json:"store"` // "postgres" or "sqlite"
	Nodes     int     `json:"nodes"`
	Clients   int     `json:"clients"`
	Seconds   float64 `json:"seconds"`
	OK        int     `json:"ok"`
	Failed    int     `json:"failed"`
	PerSecond float64 `json:"writes_per_second"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	// LoadAvg is /proc/loadavg when the measurement ended: numbers taken
	// on a busy machine are indicative only.
	LoadAvg string `json:"loadavg"`
	Error   string `json:"error,omitempty"`
}

// VerdictShared judges a shared-postgres campaign: the functional and
// burst checks, every chaos class as phase 4 judges it (no checker
// violation, nothing lost, enough effective cycles), and no write
// acknowledged while the database was out of reach.
func VerdictShared(r *SharedPostgres, c config.SharedPostgresConfig) []string {
	var out []string
	f := r.Functional
	for _, st := range f.Steps {
		if !st.OK {
			out = append(out, fmt.Sprintf("functional: %s: %s", st.Name, st.Error))
		}
	}
	if len(f.VisibleOn) < c.Nodes {
		out = append(out, fmt.Sprintf("functional: stored memory visible through %d of %d nodes", len(f.VisibleOn), c.Nodes))
	}
	if !f.RestartSurvival {
		out = append(out, "functional: memory did not survive SIGKILL and restart")
	}
	b := r.Burst
	switch {
	case b.OK == 0:
		out = append(out, "burst: no write acknowledged")
	case b.Killed == "" || !b.Restarted:
		out = append(out, "burst: no node was killed and restarted mid-burst")
	}
	for n, ids := range b.Missing {
		if len(ids) > 0 {
			out = append(out, fmt.Sprintf("burst: %d acknowledged writes not visible through node %s: %s", len(ids), n, ids))
		}
	}
	if !b.Identical {
		out = append(out, "burst: nodes did not show identical content")
	}
	for _, e := range b.Errors {
		out = append(out, "burst: "+e)
	}
	if r.Chaos == nil {
		out = append(out, "chaos: not run")
	} else {
		for _, k := range Classes(r.Chaos, c.Chaos) {
			out = append(out, k.Reasons...)
		}
		if r.Chaos.TimedOut {
			out = append(out, "chaos timed out")
		}
	}
	for _, k := range sortedKeys(r.Refused) {
		if r.Refused[k] > 0 {
			out = append(out, fmt.Sprintf("%s: %d writes acknowledged while the database was out of reach", k, r.Refused[k]))
		}
	}
	for _, k := range sortedKeys(r.Unanswered) {
		if r.Unanswered[k] > 0 {
			out = append(out, fmt.Sprintf("%s: %d writes through a node cut from the database got no answer (want 503 within the operation timeout)", k, r.Unanswered[k]))
		}
	}
	for _, t := range r.Throughput {
		if t.Error != "" {
			out = append(out, fmt.Sprintf("throughput %s x%d: %s", t.Store, t.Nodes, t.Error))
		}
	}
	if r.TimedOut {
		out = append(out, "shared-postgres campaign timed out")
	}
	return out
}

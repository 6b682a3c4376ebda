// Package faults names every fault-injection switch of ai-memory in one
// place. The switches plant known upstream federation defects (and a clock
// skew) into a real node so that the release gate can prove it turns red.
// They are off unless `serve --unsafe-fault-injection` is also given.
package faults

import (
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Switch names, as given to `serve --fault`.
const (
	// CancelFanoutAfterQuorum drops the pushes still owed to peers once the
	// write quorum is met (upstream #309: acknowledged writes missing on
	// peers). Pushes go to one peer after another so the drop is certain
	// even on loopback. The anti-entropy loop is off too, or it would heal
	// the loss within a second and hide the defect.
	CancelFanoutAfterQuorum = "cancel-fanout-after-quorum"
	// DoubleCountAck counts every acknowledgement twice, the coordinator's
	// own durable commit included, so W copies are reported after about W/2
	// real ones (upstream #341: W=2 met with one real copy).
	DoubleCountAck = "double-count-ack"
	// SkipReplicateConsolidate makes a receiving node answer 2xx to a pushed
	// consolidation without applying it, and skip those rows in sync too
	// (upstream #2856: silent divergence).
	SkipReplicateConsolidate = "skip-replicate-consolidate"
	// AckBeforeDurable makes a receiving node acknowledge a push before the
	// batch is durable: it is applied later from memory, so a crash soon
	// after the ack loses an acknowledged copy.
	AckBeforeDurable = "ack-before-durable"
	// ListCap20 silently caps GET /api/v1/memories at 20 rows with
	// has_more=false (the cap that hid data from the upstream gate).
	ListCap20 = "list-cap-20"
	// ClockSkew shifts this node's clock source by a duration
	// ("clock-skew=-90s"); hybrid logical clocks must tolerate it.
	ClockSkew = "clock-skew"
)

// Names lists every switch, for help texts and errors.
var Names = []string{CancelFanoutAfterQuorum, DoubleCountAck, SkipReplicateConsolidate, AckBeforeDurable, ListCap20, ClockSkew + "=<duration>"}

// ListCap is the row cap that ListCap20 imposes.
const ListCap = 20

// AckDelay is how long AckBeforeDurable keeps an acknowledged batch in
// memory before applying it: long enough that a SIGKILL right after a burst
// reliably catches acknowledged batches that are not on disk.
const AckDelay = 2 * time.Second

// Set is the parsed switches of one node; the zero Set injects nothing.
type Set struct {
	CancelFanoutAfterQuorum  bool
	DoubleCountAck           bool
	SkipReplicateConsolidate bool
	AckBeforeDurable         bool
	ListCap20                bool
	ClockSkew                time.Duration
}

// Parse reads `--fault` values. Any fault without unsafe is refused, so a
// stray flag can never weaken a production node.
func Parse(values []string, unsafe bool) (Set, error) {
	var s Set
	if len(values) > 0 && !unsafe {
		return s, memory.Errorf(memory.CodeInvalid, "--fault %s needs --unsafe-fault-injection: fault switches plant data-loss bugs", strings.Join(values, ","))
	}
	for _, v := range values {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(v), "=")
		if hasArg != (name == ClockSkew) {
			return Set{}, memory.Errorf(memory.CodeInvalid, "fault %q: only %s takes a value (known: %s)", v, ClockSkew, strings.Join(Names, ", "))
		}
		switch name {
		case CancelFanoutAfterQuorum:
			s.CancelFanoutAfterQuorum = true
		case DoubleCountAck:
			s.DoubleCountAck = true
		case SkipReplicateConsolidate:
			s.SkipReplicateConsolidate = true
		case AckBeforeDurable:
			s.AckBeforeDurable = true
		case ListCap20:
			s.ListCap20 = true
		case ClockSkew:
			d, err := time.ParseDuration(arg)
			if err != nil || d == 0 {
				return Set{}, memory.Errorf(memory.CodeInvalid, "fault %q: want a non-zero duration such as clock-skew=-90s", v)
			}
			s.ClockSkew = d
		default:
			return Set{}, memory.Errorf(memory.CodeInvalid, "unknown fault %q (known: %s)", v, strings.Join(Names, ", "))
		}
	}
	return s, nil
}

// Active lists the switches that are on, as they were given, for the
// startup log and GET /api/v1/sync/status.
func (s Set) Active() []string {
	out := []string{}
	add := func(on bool, name string) {
		if on {
			out = append(out, name)
		}
	}
	add(s.CancelFanoutAfterQuorum, CancelFanoutAfterQuorum)
	add(s.DoubleCountAck, DoubleCountAck)
	add(s.SkipReplicateConsolidate, SkipReplicateConsolidate)
	add(s.AckBeforeDurable, AckBeforeDurable)
	add(s.ListCap20, ListCap20)
	if s.ClockSkew != 0 {
		out = append(out, ClockSkew+"="+s.ClockSkew.String())
	}
	return out
}

// Any reports whether at least one switch is on.
func (s Set) Any() bool { return len(s.Active()) > 0 }

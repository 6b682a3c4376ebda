package validate

import (
	"fmt"
	"slices"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Window is one injected fault as the effect check sees it.
type Window struct {
	Class    string
	Victims  []string
	FromMS   float64 // injected (history time)
	ToMS     float64 // healed
	Duration time.Duration
	Skew     time.Duration // clock_skew
	Delay    time.Duration // latency: largest round trip injected
	Dropped  int64         // drop_acks: answers lost
	BytesCut int64         // power_loss, disk_error: unsynced bytes thrown away
	// StartUnixMS is the wall time of history time 0, to read the wall
	// part of versions against.
	StartUnixMS int64
}

// span is one completed operation.
type span struct {
	kind, node, outcome string
	from, to            float64
	version             int64
}

func (s span) write() bool {
	return s.kind == history.Put || s.kind == history.Update || s.kind == history.Delete || s.kind == history.Link
}

// spans pairs invokes with completions.
func spans(ops []history.Op) []span {
	open := map[int]history.Op{}
	var out []span
	for _, o := range ops {
		switch o.Op {
		case history.Invoke:
			open[o.Proc] = o
		case history.OK, history.Fail, history.Unknown:
			if inv, ok := open[o.Proc]; ok {
				out = append(out, span{kind: inv.Kind, node: inv.Node, outcome: o.Op, from: inv.TMS, to: o.TMS, version: o.Version})
				delete(open, o.Proc)
			}
		}
	}
	return out
}

// Effective reports whether the fault demonstrably did something to the
// workload, with the evidence, judged by the class's rule in
// config.FaultClasses. A cycle whose fault changed nothing shows nothing.
func Effective(ops []history.Op, w Window) (bool, string) {
	ss := spans(ops)
	during := func(s span) bool { return s.to >= w.FromMS && s.from <= w.ToMS }
	victim := func(s span) bool { return slices.Contains(w.Victims, s.node) }
	count := func(pred func(span) bool) int {
		n := 0
		for _, s := range ss {
			if during(s) && pred(s) {
				n++
			}
		}
		return n
	}
	slow := func(min time.Duration) func(span) bool {
		return func(s span) bool { return s.to-s.from >= float64(min.Microseconds())/1000 }
	}
	notOK := func(s span) bool { return s.outcome != history.OK }
	switch w.Class {
	case config.KillNode, config.KillMajority:
		hit := map[string]bool{}
		for _, s := range ss {
			if during(s) && victim(s) && notOK(s) {
				hit[s.node] = true
			}
		}
		need := 1
		if w.Class == config.KillMajority {
			need = 2
		}
		return len(hit) >= need, fmt.Sprintf("%d of %d victims refused or lost operations", len(hit), len(w.Victims))
	case config.PartitionMinority, config.PartitionAsymmetric, config.Latency:
		min := w.Duration / 2
		if w.Class == config.Latency {
			// The least a delayed round trip can add (see failpoint.latency).
			min = w.Delay / 4
		}
		n := count(func(s span) bool { return s.write() && (notOK(s) || slow(min)(s)) })
		return n > 0, fmt.Sprintf("%d writes ended unknown/failed or waited >= %s", n, min.Round(time.Millisecond))
	case config.PauseNode:
		n := count(func(s span) bool { return victim(s) && (notOK(s) || slow(w.Duration/2)(s)) })
		return n > 0, fmt.Sprintf("%d operations through the paused node waited >= %s or ended unknown", n, (w.Duration / 2).Round(time.Millisecond))
	case config.DBStop:
		n := count(func(s span) bool { return s.write() && notOK(s) })
		return n > 0, fmt.Sprintf("%d writes failed or ended unknown while the database was down", n)
	case config.DBPartition:
		n := count(func(s span) bool { return victim(s) && s.write() && (notOK(s) || slow(w.Duration/2)(s)) })
		return n > 0, fmt.Sprintf("%d writes through the cut node ended unknown/failed or waited >= %s", n, (w.Duration / 2).Round(time.Millisecond))
	case config.DropAcks:
		return w.Dropped > 0, fmt.Sprintf("%d answers dropped", w.Dropped)
	case config.PowerLoss:
		return w.BytesCut > 0, fmt.Sprintf("%d unsynced bytes dropped by the cut", w.BytesCut)
	case config.DiskFull, config.DiskError:
		n := count(func(s span) bool { return victim(s) && s.write() && notOK(s) })
		return n > 0, fmt.Sprintf("%d writes through the victim refused", n)
	case config.ClockSkew:
		// Ahead, the skew must reach the versions the victim issues; behind,
		// its hybrid clock must hold versions above its own wrong clock.
		// Either way half the skew must show in an acknowledged version.
		half := float64((abs(w.Skew) / 2).Milliseconds())
		n := 0
		for _, s := range ss {
			if !during(s) || !victim(s) || !s.write() || s.outcome != history.OK || s.version == 0 {
				continue
			}
			wall := float64(s.version >> 16)
			real := float64(w.StartUnixMS) + s.to
			if (w.Skew > 0 && wall-real >= half) || (w.Skew < 0 && wall-(real+float64(w.Skew.Milliseconds())) >= half) {
				n++
			}
		}
		return n > 0, fmt.Sprintf("%d acknowledged versions through the victim show the %s skew", n, w.Skew.Round(time.Millisecond))
	}
	return false, "unknown class " + w.Class
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// AckedWhileRefused counts writes coordinated by a victim that were invoked
// after from and answered before to, and yet acknowledged: a node whose
// disk refuses every write cannot have made them durable.
func AckedWhileRefused(ops []history.Op, victims []string, from, to float64) int {
	n := 0
	for _, s := range spans(ops) {
		if s.write() && s.outcome == history.OK && slices.Contains(victims, s.node) && s.from > from && s.to < to {
			n++
		}
	}
	return n
}

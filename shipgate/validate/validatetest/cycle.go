// Package validatetest builds small chaos histories for the tests of the
// packages that judge them (report, and the gate's fixture campaigns).
package validatetest

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// ChaosStart is history time 0 of the cycles built here.
const ChaosStart = int64(1_700_000_000_000)

// ChaosCycle is a small cycle that shows every class's effect: a write
// through victim a acknowledged with a version an hour ahead (a skewed
// clock), a write through a and a read through b that end unknown (a
// killed, cut, paused or slowed victim), every node holding the
// acknowledged write at the end, unless lose drops it from node c.
func ChaosCycle(class string, cy int, lose bool) ([]history.Op, []validate.Dump) {
	id := fmt.Sprintf("%s-%d", class, cy)
	v := int64(ChaosStart+11+3600_000) << 16
	op := func(o history.Op) history.Op {
		o.Phase, o.Class, o.Cycle = 4, class, cy
		return o
	}
	p := cy * 1000
	ops := []history.Op{
		op(history.Op{Op: history.Invoke, Kind: history.Put, Proc: p, TMS: 10, Node: "a", Key: "k1", Value: "k1 v1"}),
		op(history.Op{Op: history.OK, Kind: history.Put, Proc: p, TMS: 11, Node: "a", Key: "k1", ID: id, Version: v}),
		op(history.Op{Op: history.Invoke, Kind: history.Put, Proc: p + 1, TMS: 20, Node: "a", Key: "k2", Value: "k2 v1"}),
		op(history.Op{Op: history.Unknown, Kind: history.Put, Proc: p + 1, TMS: 40, Node: "a", Key: "k2", Status: 503}),
		op(history.Op{Op: history.Invoke, Kind: history.Get, Proc: p + 2, TMS: 20, Node: "b", Key: "k1", ID: id}),
		op(history.Op{Op: history.Unknown, Kind: history.Get, Proc: p + 2, TMS: 40, Node: "b", Key: "k1", ID: id}),
	}
	var dumps []validate.Dump
	for _, n := range []string{"a", "b", "c"} {
		d := validate.Dump{Node: n, Items: []history.Item{{ID: id, Key: "k1", Value: "k1 v1", Version: v}}}
		if lose && n == "c" {
			d.Items = nil
		}
		dumps = append(dumps, d)
	}
	return ops, dumps
}

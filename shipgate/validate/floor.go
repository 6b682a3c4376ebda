package validate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// A node only ever moves an id forward: its store keeps the LWW-greatest
// version, and its clock has observed every version it showed. So the
// versions one node showed for one id, in a write's acknowledgement or a
// read, set a floor for what it may show or stamp later. floors indexes
// them so "the greatest version node X had shown for id by time t" is one
// binary search.
//
// This is a linearizability check without a search: against a register
// whose version only grows (remote writes may raise it at any time), one
// node's ops on one id are linearizable exactly when every op completed
// before another was invoked shows a version no greater (smaller, if the
// later op is a write) than it; ordering ops by version, writes before
// reads, then realises a linearization. Only two concurrent writes
// stamped alike escape it, and they surface as corrupt. The floor also
// names the op that set it, which a search verdict would not.
type floors struct {
	marks map[nodeID][]mark
	ids   map[string][]string // node → the ids it showed, sorted
}

type nodeID struct{ node, id string }

// mark is the floor from one completion on: the greatest version shown by
// any op of the node on the id that completed by done, and that op.
type mark struct {
	done    float64
	version int64
	call    int // index into cycle.calls
}

func (c *cycle) floors() floors {
	f := floors{marks: map[nodeID][]mark{}, ids: map[string][]string{}}
	show := func(node, id string, version int64, i int) {
		if id != "" && version > 0 {
			k := nodeID{node, id}
			f.marks[k] = append(f.marks[k], mark{c.calls[i].done, version, i})
		}
	}
	for i, k := range c.calls {
		if k.outcome != history.OK {
			continue
		}
		switch {
		case isWrite(k.kind), k.kind == history.Get && !k.absent:
			show(k.node, k.id, k.version, i)
		case k.kind == history.List:
			for _, it := range k.items {
				show(k.node, it.ID, it.Version, i)
			}
		}
	}
	byNode := map[string][]string{}
	for k, ms := range f.marks {
		slices.SortStableFunc(ms, func(a, b mark) int { return cmp.Compare(a.done, b.done) })
		for j := 1; j < len(ms); j++ {
			if ms[j].version < ms[j-1].version {
				ms[j].version, ms[j].call = ms[j-1].version, ms[j-1].call
			}
		}
		byNode[k.node] = append(byNode[k.node], k.id)
	}
	for n, ids := range byNode {
		slices.Sort(ids)
		f.ids[n] = ids
	}
	return f
}

// at is the floor node had set for id by ops that completed strictly
// before t; ops still running at t are concurrent and set none.
func (f floors) at(node, id string, t float64) mark {
	ms := f.marks[nodeID{node, id}]
	i := sort.Search(len(ms), func(i int) bool { return ms[i].done >= t })
	if i == 0 {
		return mark{}
	}
	return ms[i-1]
}

// shownBy names the op that set a floor.
func (c *cycle) shownBy(m mark) string {
	k := c.calls[m.call]
	return fmt.Sprintf("v%d shown by proc %d's %s done at %.0fms", m.version, k.proc, k.kind, k.done)
}

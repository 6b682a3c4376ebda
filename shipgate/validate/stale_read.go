package validate

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkStaleReads judges reads through one node: a get or list through X
// must not show an id below the floor X had set for it (a version X
// acknowledged writing, which is read-your-writes, or showed in an earlier
// read, which is monotonic reads), nor leave it out, unless a delete of it
// was sent before the read completed.
func (c *cycle) checkStaleReads(r *Report, f floors) {
	got := map[string]history.Item{}
	for _, k := range c.calls {
		switch {
		case k.kind == history.Get && (k.absent || k.outcome == history.OK):
			r.Reads++
			c.judgeRead(r, f, k, history.Item{ID: k.id, Value: k.value, Version: k.version}, !k.absent)
		case k.kind == history.List && k.outcome == history.OK:
			r.Reads++
			clear(got)
			for _, it := range k.items {
				got[it.ID] = it
			}
			for _, id := range f.ids[k.node] {
				it, ok := got[id]
				it.ID = id
				c.judgeRead(r, f, k, it, ok)
			}
		}
	}
}

func (c *cycle) judgeRead(r *Report, f floors, k call, it history.Item, present bool) {
	m := f.at(k.node, it.ID, k.inv)
	if m.version == 0 || present && it.Version >= m.version {
		return
	}
	if t, ok := c.deleted[it.ID]; !present && ok && t < k.done {
		return
	}
	got := "absent"
	if present {
		got = fmt.Sprintf("v%d %q", it.Version, it.Value)
	}
	r.flag(Finding{Check: CheckStaleRead, Key: c.keyFor(it.ID, it.Key), ID: it.ID, Node: k.node,
		Detail: fmt.Sprintf("proc %d's %s invoked at %.0fms read %s after %s", k.proc, k.kind, k.inv, got, c.shownBy(m))})
}

package validate

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkCausal judges causal last-writer-wins: a write through node X
// invoked after X showed version v of its id must be stamped above v,
// or LWW would let the older version beat it. A node clock that ignores
// the versions it has seen (planted bug hlc-ignore-remote) fails here.
func (c *cycle) checkCausal(r *Report, f floors) {
	for _, k := range c.calls {
		if k.outcome != history.OK || !isWrite(k.kind) {
			continue
		}
		if m := f.at(k.node, k.id, k.inv); m.version > 0 && k.version <= m.version {
			r.flag(Finding{Check: CheckCausal, Key: c.keyFor(k.id, k.key), ID: k.id, Node: k.node,
				Detail: fmt.Sprintf("proc %d's %s %q invoked at %.0fms was stamped v%d after %s", k.proc, k.kind, k.value, k.inv, k.version, c.shownBy(m))})
		}
	}
}

package validate

import (
	"fmt"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkResurrected judges deletes. An acknowledged delete of id D through
// node X covers every version X had shown for D before the delete was sent
// (its preceding get among them) and the tombstone's own version if the
// answer gave one. D must end absent everywhere unless a node holds it at a
// greater version: a concurrent write that won by LWW, counted as
// superseded. A version the delete covered coming back is a resurrection.
func (c *cycle) checkResurrected(r *Report, f floors) {
	for _, k := range c.calls {
		if k.kind != history.Delete || k.outcome != history.OK {
			continue
		}
		r.AckedDeletes++
		m := f.at(k.node, k.id, k.inv)
		covered := max(m.version, k.version)
		var back, won, detail []string
		for i, n := range c.nodes {
			it, ok := c.final[i][k.id]
			switch {
			case !ok:
				continue
			case it.Version <= covered:
				back = append(back, n)
			default:
				won = append(won, n)
			}
			detail = append(detail, fmt.Sprintf("%s holds v%d %q", n, it.Version, it.Value))
		}
		what := fmt.Sprintf("proc %d's delete through %s acknowledged, covering v%d; %s", k.proc, k.node, covered, strings.Join(detail, "; "))
		switch {
		case len(back) > 0:
			r.flag(Finding{Check: CheckResurrected, Key: c.keyFor(k.id, k.key), ID: k.id, Node: strings.Join(back, ","), Detail: what})
		case len(won) > 0:
			r.flag(Finding{Check: CheckDeleteSuperseded, Key: c.keyFor(k.id, k.key), ID: k.id, Node: strings.Join(won, ","), Detail: what})
		}
	}
}

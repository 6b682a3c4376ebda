package validate

import (
	"fmt"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkLost judges durability: an acknowledged put or update of a key no
// delete retired must be on every node at its version or a greater one.
// LWW keeps the greatest version, so a smaller final version means the
// acknowledged one was dropped. An equal version with another body is
// corrupt, not lost.
func (c *cycle) checkLost(r *Report) {
	for _, w := range c.calls {
		if w.outcome != history.OK || !isWrite(w.kind) {
			continue
		}
		key := c.keyFor(w.id, w.key)
		if c.isRetired(w.id, key) {
			continue
		}
		r.AckedWrites++
		var where, detail []string
		for i, n := range c.nodes {
			it, ok := c.item(i, w.id, key)
			switch {
			case !ok:
				where, detail = append(where, n), append(detail, n+" missing")
			case it.Version < w.version:
				where, detail = append(where, n), append(detail, fmt.Sprintf("%s has v%d %q", n, it.Version, it.Value))
			}
		}
		if len(where) > 0 {
			r.flag(Finding{Check: CheckLost, Key: key, ID: w.id, Node: strings.Join(where, ","),
				Detail: fmt.Sprintf("%s %q acknowledged by %s at v%d; %s", w.kind, w.value, w.node, w.version, strings.Join(detail, "; "))})
		}
	}
}

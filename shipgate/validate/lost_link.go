package validate

import (
	"fmt"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkLinks judges links: an acknowledged link must be on every node that
// holds both its ends live. A delete of either end removes the link with a
// tombstone; if a concurrent write then wins the end back by last-writer-
// wins, the link's tombstone still wins over the link, so a link with a
// deleted end is no longer owed (the ends are judged by the other checks).
func (c *cycle) checkLinks(r *Report) {
	counted := map[[2]string]bool{}
	for _, k := range c.calls {
		l := [2]string{k.id, k.target}
		if k.kind != history.Link || k.outcome != history.OK || counted[l] {
			continue
		}
		counted[l] = true
		r.AckedLinks++
		if _, gone := c.deleted[k.id]; gone {
			continue
		}
		if _, gone := c.deleted[k.target]; gone {
			continue
		}
		var lost []string
		for i, n := range c.nodes {
			_, src := c.final[i][k.id]
			_, dst := c.final[i][k.target]
			if src && dst && !c.links[i][l] {
				lost = append(lost, n)
			}
		}
		if len(lost) > 0 {
			r.flag(Finding{Check: CheckLostLink, Key: c.keyFor(k.id, k.key), ID: k.id, Node: strings.Join(lost, ","),
				Detail: fmt.Sprintf("link %s → %s acknowledged by %s; both ends live but the link absent on %s", k.id, k.target, k.node, strings.Join(lost, ","))})
		}
	}
}

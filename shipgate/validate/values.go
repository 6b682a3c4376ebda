package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkValues judges where values come from. Values are unique per logical
// write, so a value names its write: one no client sent is a phantom, one
// whose every attempt definitely failed must never be seen, and a write
// with an unknown outcome is recovered once its value is seen anywhere.
func (c *cycle) checkValues(r *Report, obs []sighting) {
	seen := make(map[string]bool, len(c.writes))
	recovered := map[string][]string{} // unknown write's value → where it was seen
	for _, s := range obs {
		w, sent := c.writes[s.value]
		if sent && w.outcome == history.Unknown {
			if at := s.where + "@" + s.node; !slices.Contains(recovered[s.value], at) {
				recovered[s.value] = append(recovered[s.value], at)
			}
		}
		if seen[s.value] {
			continue
		}
		seen[s.value] = true
		switch {
		case !sent:
			r.flag(Finding{Check: CheckPhantom, Key: s.key, ID: s.id, Node: s.node,
				Detail: fmt.Sprintf("%s showed %q at v%d, a value no client sent", s.where, s.value, s.version)})
		case w.outcome == history.Fail:
			r.flag(Finding{Check: CheckFailedPresent, Key: s.key, ID: s.id, Node: s.node,
				Detail: fmt.Sprintf("%s showed %q at v%d, sent by a %s through %s that definitely failed", s.where, s.value, s.version, w.kind, w.node)})
		}
	}
	for _, v := range c.values {
		w := c.writes[v]
		if w.outcome != history.Unknown {
			continue
		}
		detail := fmt.Sprintf("%s %q through %s: outcome unknown, never seen", w.kind, v, w.node)
		if at := recovered[v]; len(at) > 0 {
			r.UnknownRecovered++
			slices.Sort(at)
			detail = fmt.Sprintf("%s %q through %s: outcome unknown, recovered (seen in %s)", w.kind, v, w.node, strings.Join(at, ", "))
		}
		r.flag(Finding{Check: CheckUnknown, Key: w.key, ID: w.id, Node: w.node, Detail: detail})
	}
}

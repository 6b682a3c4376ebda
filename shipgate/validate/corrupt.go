package validate

import (
	"fmt"
	"slices"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkCorrupt compares bodies, not just ids. A version is the stamp of one
// write, so a read or final item at the version an acknowledged write of
// its key was given must carry that write's value; and a value must stay
// under the key it was written to. Two writes can share a stamp only as a
// concurrent tie LWW breaks by origin, so a value from a write of the same
// key acknowledged at that version, or with an attempt of unknown outcome
// (a version nobody was told, even if a retry was acknowledged at
// another), is a tie and not corruption.
func (c *cycle) checkCorrupt(r *Report, obs []sighting) {
	type stamp struct {
		key     string
		version int64
	}
	acked := map[stamp][]string{} // values acknowledged at a stamp
	for _, k := range c.calls {
		if k.outcome == history.OK && isWrite(k.kind) {
			s := stamp{c.keyFor(k.id, k.key), k.version}
			acked[s] = append(acked[s], k.value)
		}
	}
	reported := map[sighting]bool{} // one finding per distinct body, not per node or read
	for _, s := range obs {
		w, sent := c.writes[s.value]
		d := s
		d.where, d.node = "", ""
		if reported[d] {
			continue
		}
		if sent && w.key != "" && s.key != "" && w.key != s.key {
			reported[d] = true
			r.flag(Finding{Check: CheckCorrupt, Key: s.key, ID: s.id, Node: s.node,
				Detail: fmt.Sprintf("%s showed %q under key %q at v%d; it was written to key %q", s.where, s.value, s.key, s.version, w.key)})
			continue
		}
		want := acked[stamp{s.key, s.version}]
		if len(want) == 0 || slices.Contains(want, s.value) || (sent && (w.outcome != history.OK || w.unstamped)) {
			continue
		}
		reported[d] = true
		r.flag(Finding{Check: CheckCorrupt, Key: s.key, ID: s.id, Node: s.node,
			Detail: fmt.Sprintf("%s showed %q at v%d; the write acknowledged at v%d sent %q", s.where, s.value, s.version, s.version, want[0])})
	}
}

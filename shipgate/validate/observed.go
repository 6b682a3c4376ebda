package validate

import (
	"maps"
	"slices"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// sighting is one value as a get, a list or a final dump showed it.
type sighting struct {
	where   string // history.Get, history.List or "final"
	node    string
	id      string
	key     string
	value   string
	version int64
}

// observations are every value read during the cycle, in history order,
// then every value the final dumps hold, node by node, id by id.
func (c *cycle) observations() []sighting {
	n := 0
	for _, k := range c.calls {
		n += 1 + len(k.items)
	}
	for _, m := range c.final {
		n += len(m)
	}
	out := make([]sighting, 0, n)
	for _, k := range c.calls {
		if k.outcome != history.OK {
			continue
		}
		switch {
		case k.kind == history.Get && !k.absent:
			out = append(out, sighting{k.kind, k.node, k.id, c.keyFor(k.id, k.key), k.value, k.version})
		case k.kind == history.List:
			for _, it := range k.items {
				out = append(out, sighting{k.kind, k.node, it.ID, c.keyFor(it.ID, it.Key), it.Value, it.Version})
			}
		}
	}
	for i, n := range c.nodes {
		for _, id := range slices.Sorted(maps.Keys(c.final[i])) {
			it := c.final[i][id]
			out = append(out, sighting{"final", n, id, c.keyFor(id, it.Key), it.Value, it.Version})
		}
	}
	return out
}

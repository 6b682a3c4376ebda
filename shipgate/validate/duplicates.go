package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// checkDuplicates judges identity: puts of one key go through its home
// node, so a healthy cluster ends with one id per key. Two live ids for a
// key, on one node or across nodes, mean an upsert created a second memory.
func (c *cycle) checkDuplicates(r *Report) {
	holders := map[string]map[string][]string{} // key → id → nodes holding it
	for i, n := range c.nodes {
		for key, its := range c.byKey[i] {
			if holders[key] == nil {
				holders[key] = map[string][]string{}
			}
			for _, it := range its {
				holders[key][it.ID] = append(holders[key][it.ID], n)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(holders)) {
		ids := holders[key]
		if key == "" || len(ids) < 2 {
			continue
		}
		var detail []string
		nodes := map[string]bool{}
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			slices.Sort(ids[id])
			detail = append(detail, fmt.Sprintf("%s on %s", id, strings.Join(ids[id], ",")))
			for _, n := range ids[id] {
				nodes[n] = true
			}
		}
		r.flag(Finding{Check: CheckDuplicates, Key: key, Node: strings.Join(slices.Sorted(maps.Keys(nodes)), ","),
			Detail: fmt.Sprintf("%d live ids: %s", len(ids), strings.Join(detail, "; "))})
	}
}

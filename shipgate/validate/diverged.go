package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// checkDiverged judges convergence: once settled, every node holds the same
// set of ids, each with the same key, value and version. An id some nodes
// lack after a delete of it was sent is a delete that did not propagate
// (or a write that beat it and did not propagate), counted apart.
func (c *cycle) checkDiverged(r *Report) {
	if len(c.nodes) < 2 {
		return
	}
	ids := map[string]bool{}
	for _, m := range c.final {
		for id := range m {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		ref, lack, differ := history.Item{}, false, false
		for i := range c.nodes {
			it, ok := c.final[i][id]
			switch {
			case !ok:
				lack = true
			case ref.ID == "":
				ref = it
			case it != ref:
				differ = true
			}
		}
		if !lack && !differ {
			continue
		}
		var detail, absent []string
		for i, n := range c.nodes {
			if it, ok := c.final[i][id]; ok {
				detail = append(detail, fmt.Sprintf("%s v%d %q", n, it.Version, it.Value))
			} else {
				absent = append(absent, n)
			}
		}
		f := Finding{Check: CheckDiverged, Key: c.keyOf[id], ID: id, Node: strings.Join(c.nodes, ","),
			Detail: strings.Join(detail, "; ")}
		if lack {
			f.Detail += "; absent on " + strings.Join(absent, ",")
			if _, ok := c.deleted[id]; ok {
				f.Check = CheckDeleteNotPropagated
			}
		}
		r.flag(f)
	}
}

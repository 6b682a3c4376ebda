package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestStaleReads(t *testing.T) {
	runPlants(t, []plant{
		{"a get below the node's own acknowledged write", func(f *fixture) {
			f.call(get(3, "a", "id1"), history.OK, read("v1", 100))
		}, map[string]int{CheckStaleRead: 1}},
		{"a get finds nothing where the node wrote", func(f *fixture) {
			f.call(get(3, "a", "id1"), history.Fail, status(404))
		}, map[string]int{CheckStaleRead: 1}},
		{"a list leaves out what the node showed", func(f *fixture) {
			f.call(list(8, "a"), history.OK, listed(item("id1", "k1", "v1b", 120)))
		}, map[string]int{CheckStaleRead: 1}},
		{"a read goes back below an earlier read on the same node", func(f *fixture) {
			f.call(get(1, "c", "id1"), history.OK, read("v1b", 120))
			f.call(get(1, "c", "id1"), history.OK, read("v1", 100))
		}, map[string]int{CheckStaleRead: 1}},
		{"another node may still serve the old version", func(f *fixture) {
			f.call(get(1, "c", "id1"), history.OK, read("v1", 100))
		}, nil},
		{"a read concurrent with the write may miss it", func(f *fixture) {
			f.invoke(update(3, "a", "id1", "v1c"))
			f.call(get(1, "a", "id1"), history.OK, read("v1b", 120))
			f.complete(3, history.OK, acked("", 140))
			f.hold(item("id1", "k1", "v1c", 140), all...)
		}, nil},
		{"absent after a delete was sent", func(f *fixture) {
			f.call(get(6, "b", "id2"), history.Fail, status(404))
		}, nil},
	})
}

package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestResurrected(t *testing.T) {
	runPlants(t, []plant{
		{"the deleted version is back everywhere", func(f *fixture) {
			f.hold(item("id2", "k2", "v2", 110), all...)
		}, map[string]int{CheckResurrected: 1}},
		{"a concurrent write below the tombstone survives", deleteRace(250),
			map[string]int{CheckResurrected: 1}},
		{"a concurrent write above what the delete covered wins by LWW", deleteRace(0),
			map[string]int{CheckDeleteSuperseded: 1}},
	})
}

// deleteRace deletes a fresh key through b (after reading v200 there)
// while an update through c is in flight; the update is acknowledged at
// v245 and every node ends holding it. tombstone is the delete's answered
// version, 0 for none.
func deleteRace(tombstone int64) func(*fixture) {
	return func(f *fixture) {
		f.call(put(6, "b", "k8", "v8"), history.OK, acked("id8", 200))
		f.invoke(update(8, "c", "id8", "v8b"))
		f.call(get(6, "b", "id8"), history.OK, read("v8", 200))
		f.call(del(6, "b", "id8"), history.OK, history.Op{Version: tombstone})
		f.complete(8, history.OK, acked("", 245))
		f.hold(item("id8", "k8", "v8b", 245), all...)
	}
}

package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestDiverged(t *testing.T) {
	runPlants(t, []plant{
		{"one node holds another version", func(f *fixture) {
			f.hold(item("id3", "k3", "v3", 135), "c")
		}, map[string]int{CheckDiverged: 1}},
		{"one node holds an id the others lack", func(f *fixture) {
			f.hold(item("id4", "k4", "v4", 160), "a")
		}, map[string]int{CheckDiverged: 1}},
		{"a delete that reached two nodes of three", func(f *fixture) {
			f.hold(item("id2", "k2", "v2", 110), "c")
		}, map[string]int{CheckDeleteNotPropagated: 1, CheckResurrected: 1}},
		{"a delete of unknown outcome that reached one node", func(f *fixture) {
			f.call(del(4, "c", "id3"), history.Unknown, status(503))
			f.drop("id3", "c")
		}, map[string]int{CheckDeleteNotPropagated: 1}},
		{"one dumped node has nothing to diverge from", func(f *fixture) {
			f.dumps = f.dumps[:1]
			f.hold(item("id3", "k3", "v3", 135), "a")
		}, nil},
	})
}

package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestLost(t *testing.T) {
	runPlants(t, []plant{
		{"id missing on one node loses both its acknowledged writes", func(f *fixture) {
			f.drop("id1", "b")
		}, map[string]int{CheckLost: 2, CheckDiverged: 1}},
		{"an older final version loses the newer acknowledged one", func(f *fixture) {
			f.hold(item("id1", "k1", "v1", 100), "c")
		}, map[string]int{CheckLost: 1, CheckDiverged: 1}},
		{"a delete that definitely failed does not excuse absence", func(f *fixture) {
			f.call(del(4, "c", "id3"), history.Fail, status(507))
			f.drop("id3", all...)
		}, map[string]int{CheckLost: 1}},
		{"overwritten by a greater version is not lost", func(f *fixture) {
			f.call(update(4, "b", "id3", "v3b"), history.OK, acked("", 200))
			f.hold(item("id3", "k3", "v3b", 200), all...)
		}, nil},
		{"a key retired by a delete of unknown outcome is not owed", func(f *fixture) {
			f.call(del(4, "c", "id3"), history.Unknown, status(503))
			f.drop("id3", all...)
		}, nil},
	})
}

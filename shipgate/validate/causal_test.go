package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestCausal(t *testing.T) {
	runPlants(t, []plant{
		{"a write stamped below what its node showed", func(f *fixture) {
			f.call(get(3, "a", "id1"), history.OK, read("v1b", 120))
			f.call(update(3, "a", "id1", "v1c"), history.OK, acked("", 115))
		}, map[string]int{CheckCausal: 1}},
		{"a write stamped equal to what its node showed", func(f *fixture) {
			f.call(update(3, "a", "id1", "v1c"), history.OK, acked("", 120))
		}, map[string]int{CheckCausal: 1}},
		{"a node that never showed the greater version", func(f *fixture) {
			f.call(update(4, "b", "id3", "v3b"), history.OK, acked("", 125))
		}, nil},
		{"a read concurrent with the write sets no floor", func(f *fixture) {
			f.invoke(get(1, "b", "id3"))
			f.invoke(update(4, "b", "id3", "v3b"))
			f.complete(1, history.OK, read("v3", 130))
			f.complete(4, history.OK, acked("", 130))
		}, nil},
	})
}

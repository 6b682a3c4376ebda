package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestCorrupt(t *testing.T) {
	runPlants(t, []plant{
		{"the old body under the acknowledged version", func(f *fixture) {
			f.hold(item("id1", "k1", "v1", 120), all...)
		}, map[string]int{CheckCorrupt: 1}},
		{"a get returns another body at an acknowledged version", func(f *fixture) {
			f.call(get(3, "a", "id3"), history.OK, read("v1", 130))
		}, map[string]int{CheckCorrupt: 1}},
		{"a value found under another key", func(f *fixture) {
			f.hold(item("id3", "k3", "v1b", 130), all...)
		}, map[string]int{CheckCorrupt: 1}},
		{"a tie with a concurrent write of unknown outcome", func(f *fixture) {
			f.call(update(4, "b", "id3", "v3c"), history.Unknown, status(503))
			f.hold(item("id3", "k3", "v3c", 130), all...)
		}, map[string]int{CheckUnknown: 3}},
		{"a tie with a retried write whose lost first attempt took the stamp", func(f *fixture) {
			f.call(put(4, "c", "k3", "v3e"), history.Unknown, status(0))
			f.call(history.Op{Kind: history.Put, Proc: 4, Node: "c", Key: "k3", Value: "v3e", Retry: 1}, history.OK, acked("id3", 140))
			f.call(get(6, "a", "id3"), history.OK, read("v3e", 130))
			f.hold(item("id3", "k3", "v3e", 140), all...)
		}, nil},
		{"a tie between two writes acknowledged at one stamp", func(f *fixture) {
			f.call(update(4, "b", "id3", "v3d"), history.OK, acked("", 130))
		}, nil},
	})
}

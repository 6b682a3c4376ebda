package validate

import "testing"

func TestDuplicates(t *testing.T) {
	runPlants(t, []plant{
		{"every node holds two ids for one key", func(f *fixture) {
			f.hold(item("id3x", "k3", "v3", 125), all...)
		}, map[string]int{CheckDuplicates: 1}},
		{"one node holds a second id for a key", func(f *fixture) {
			f.hold(item("id1x", "k1", "v1", 100), "b")
		}, map[string]int{CheckDuplicates: 1, CheckDiverged: 1}},
		{"two nodes hold different ids for one key", func(f *fixture) {
			f.drop("id6", "c")
			f.hold(item("id6x", "k6", "v6", 150), "c")
		}, map[string]int{CheckDuplicates: 1, CheckDiverged: 2}},
	})
}

package validate

import "testing"

func TestUndumped(t *testing.T) {
	runPlants(t, []plant{
		{"a node that could not be dumped", func(f *fixture) {
			f.node("c").Err = "connection refused"
		}, map[string]int{CheckUndumped: 1}},
	})
}

package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestValues(t *testing.T) {
	runPlants(t, []plant{
		{"a final value no client sent", func(f *fixture) {
			f.hold(item("id6", "k6", "zzz", 150), all...)
		}, map[string]int{CheckPhantom: 1}},
		{"a get returns a value no client sent", func(f *fixture) {
			f.call(get(3, "a", "id1"), history.OK, read("ghost", 125))
		}, map[string]int{CheckPhantom: 1}},
		{"a definitely failed put is in the final dumps", func(f *fixture) {
			f.hold(item("id5", "k5", "v5", 170), all...)
		}, map[string]int{CheckFailedPresent: 1}},
		{"a definitely failed put is listed", func(f *fixture) {
			f.call(list(8, "b"), history.OK, listed(item("id1", "k1", "v1b", 120), item("id5", "k5", "v5", 170)))
		}, map[string]int{CheckFailedPresent: 1}},
		{"a failed retry of an unknown put may still have been written", func(f *fixture) {
			f.call(history.Op{Kind: history.Put, Proc: 5, Node: "a", Key: "k4", Value: "v4", Retry: 1}, history.Fail, status(507))
			f.hold(item("id4", "k4", "v4", 160), all...)
		}, nil},
		{"an unknown put is counted, never as acknowledged", func(f *fixture) {
			f.call(put(7, "b", "k7", "v7"), history.Unknown, status(503))
		}, map[string]int{CheckUnknown: 3}},
		{"a put the history never completes is unknown", func(f *fixture) {
			f.invoke(put(7, "b", "k7", "v7"))
		}, map[string]int{CheckUnknown: 3}},
	})
}

func TestUnknownRecovered(t *testing.T) {
	f := healthy()
	f.hold(item("id4", "k4", "v4", 160), all...)
	r := Check(f.ops, f.dumps)
	if r.Unknown != 2 || r.UnknownRecovered != 2 || r.AckedWrites != 3 || r.Violations() != 0 {
		t.Fatalf("%+v", r)
	}
}

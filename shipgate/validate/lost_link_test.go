package validate

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

func TestLostLinks(t *testing.T) {
	runPlants(t, []plant{
		{"a node lacks an acknowledged link between live ends", func(f *fixture) {
			f.node("c").Links = nil
		}, map[string]int{CheckLostLink: 1}},
		{"a link whose end was deleted may go with it", func(f *fixture) {
			f.call(del(4, "c", "id3"), history.Unknown, status(503))
			f.drop("id3", all...)
			for _, n := range all {
				f.node(n).Links = nil
			}
		}, nil},
		{"a link whose end came back after a superseded delete stays deleted", func(f *fixture) {
			deleteRace(0)(f)
			f.call(link(9, "a", "id8", "id1"), history.OK, history.Op{})
		}, map[string]int{CheckDeleteSuperseded: 1}},
	})
}

func TestLinksCountedOnce(t *testing.T) {
	f := healthy()
	f.call(link(7, "b", "id1", "id3"), history.OK, history.Op{})
	if r := Check(f.ops, f.dumps); r.AckedLinks != 1 || r.Violations() != 0 {
		t.Fatalf("%+v", r)
	}
}

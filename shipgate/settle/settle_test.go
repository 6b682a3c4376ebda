package settle

import (
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

func TestAgreeNeedsEveryNodeIdentical(t *testing.T) {
	it := func(id, v string, ver int64) history.Item {
		return history.Item{ID: id, Key: "k", Value: v, Version: ver}
	}
	same := func() []validate.Dump {
		var ds []validate.Dump
		for _, n := range []string{"a", "b", "c"} {
			ds = append(ds, validate.Dump{Node: n, Items: []history.Item{it("1", "x", 5), it("2", "y", 6)},
				Links: []validate.Link{{Source: "1", Target: "2", Relation: "related_to"}}})
		}
		return ds
	}
	if !agree(same()) {
		t.Fatal("identical dumps do not agree")
	}
	cases := map[string]func([]validate.Dump){
		"older version":   func(ds []validate.Dump) { ds[1].Items[0].Version = 4 },
		"other body":      func(ds []validate.Dump) { ds[2].Items[1].Value = "z" },
		"missing item":    func(ds []validate.Dump) { ds[0].Items = ds[0].Items[:1] },
		"missing link":    func(ds []validate.Dump) { ds[2].Links = nil },
		"unanswered node": func(ds []validate.Dump) { ds[1].Err = "dial: timeout" },
	}
	for name, edit := range cases {
		ds := same()
		edit(ds)
		if agree(ds) {
			t.Errorf("%s: dumps agree", name)
		}
	}
}

package storetest

import (
	"encoding/json"
	"sort"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

var linkRecordCases = []suiteCase{
	{"Links/BothDirectionsLiveOnly", testLinks},
	{"Records/GetListPrefixTombstones", testRecords},
}

func link(src, dst string, rel memory.Relation) memory.Link {
	return memory.Link{SourceID: src, TargetID: dst, Relation: rel, CreatedAt: base, Origin: "node-a", Version: ver(1)}
}

func testLinks(t *testing.T, s memory.Store) {
	ii := ids(4)
	a, b, c, d := ii[0], ii[1], ii[2], ii[3]
	dead := link(a, d, memory.Contradicts)
	dead.Deleted = true
	// Links may arrive before their memories (replication order is free).
	res := apply(t, s, memory.Batch{Links: []memory.Link{
		link(a, b, memory.RelatedTo), link(a, b, memory.Supersedes), link(c, a, memory.DerivedFrom), link(b, c, memory.RelatedTo), dead,
	}})
	if res.Links != 5 {
		t.Fatalf("applied %d links, want 5", res.Links)
	}
	applyMems(t, s, mem(a, "a", "x"), mem(b, "b", "x"), mem(c, "c", "x"))
	key := func(l memory.Link) string { return l.SourceID + ">" + l.TargetID + ":" + string(l.Relation) }
	keys := func(ls []memory.Link) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = key(l)
		}
		sort.Strings(out)
		return out
	}
	ls, err := s.Links(ctx(t), a)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "links of a", keys(ls), sortedCopy([]string{
		key(link(a, b, memory.RelatedTo)), key(link(a, b, memory.Supersedes)), key(link(c, a, memory.DerivedFrom)),
	}))
	for _, l := range ls {
		want := link(l.SourceID, l.TargetID, l.Relation)
		if !l.CreatedAt.Equal(want.CreatedAt) || l.CreatedAt.Location() != want.CreatedAt.Location() ||
			l.Origin != want.Origin || l.Version != want.Version || l.Deleted {
			t.Fatalf("link %s round trip: %+v", key(l), l)
		}
	}
	ls, err = s.Links(ctx(t), d)
	if err != nil || len(ls) != 0 {
		t.Fatalf("links of d (only a deleted one): %+v, %v", ls, err)
	}
	ls, err = s.Links(ctx(t), ids(1)[0])
	if err != nil || len(ls) != 0 {
		t.Fatalf("links of an unknown id: %+v, %v", ls, err)
	}
	// A newer write of the same key replaces; an older one does not.
	newer := link(b, c, memory.RelatedTo)
	newer.Version, newer.Origin, newer.CreatedAt = ver(5), "node-b", base.Add(ms(5))
	older := link(b, c, memory.RelatedTo)
	older.Version, older.Deleted = ver(2), true
	if res := apply(t, s, memory.Batch{Links: []memory.Link{newer, older}}); res.Links != 1 {
		t.Fatalf("newer+older link applied %d, want 1", res.Links)
	}
	ls, _ = s.Links(ctx(t), c)
	for _, l := range ls {
		if l.SourceID == b && (l.Version != newer.Version || l.Origin != "node-b" || !l.CreatedAt.Equal(newer.CreatedAt)) {
			t.Fatalf("link b>c not replaced by the newer write: %+v", l)
		}
	}
}

func record(kind, key, value string) memory.Record {
	return memory.Record{Kind: kind, Key: key, Value: json.RawMessage(value), UpdatedAt: base, Origin: "node-a", Version: ver(1)}
}

func testRecords(t *testing.T, s memory.Store) {
	dead := record("pending", "p/3", `{}`)
	dead.Deleted = true
	rows := []memory.Record{
		record("pending", "p/2", `{"b":[1,2,{"c":null}],"a":"x"}`),
		record("pending", "p/1", `"text"`),
		record("pending", "p_1", `1`),
		record("pending", "px", `true`),
		record("pending", "q/1", `null`),
		dead,
		record("subscription", "p/9", `{"url":"http://127.0.0.1/hook"}`),
	}
	if res := apply(t, s, memory.Batch{Records: rows}); res.Records != len(rows) {
		t.Fatalf("applied %d records, want %d", res.Records, len(rows))
	}
	got, err := s.GetRecord(ctx(t), "pending", "p/2")
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, got.Value, rows[0].Value) || got.Origin != "node-a" || got.Version != ver(1) ||
		!got.UpdatedAt.Equal(base) || got.UpdatedAt.Location() != base.Location() || got.Deleted {
		t.Fatalf("record round trip: %+v", got)
	}
	_, err = s.GetRecord(ctx(t), "pending", "p/3")
	wantNotFound(t, "deleted record", err)
	_, err = s.GetRecord(ctx(t), "subscription", "p/2")
	wantNotFound(t, "record of another kind", err)
	_, err = s.GetRecord(ctx(t), "pending", "nope")
	wantNotFound(t, "unknown record", err)

	keys := func(kind, prefix string) []string {
		rs, err := s.ListRecords(ctx(t), kind, prefix)
		if err != nil {
			t.Fatalf("ListRecords(%s, %q): %v", kind, prefix, err)
		}
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.Key
			if r.Kind != kind || r.Deleted {
				t.Fatalf("ListRecords(%s) returned %+v", kind, r)
			}
		}
		return out
	}
	wantIDs(t, "every pending", keys("pending", ""), []string{"p/1", "p/2", "p_1", "px", "q/1"})
	wantIDs(t, "prefix p/", keys("pending", "p/"), []string{"p/1", "p/2"})
	wantIDs(t, "prefix with underscore is literal", keys("pending", "p_"), []string{"p_1"})
	wantIDs(t, "prefix with percent is literal", keys("pending", "p%"), nil)
	wantIDs(t, "whole key as prefix", keys("pending", "px"), []string{"px"})
	wantIDs(t, "other kind", keys("subscription", "p"), []string{"p/9"})
	wantIDs(t, "unknown kind", keys("nothing", ""), nil)
}

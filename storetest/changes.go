package storetest

import (
	"fmt"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

var changeCases = []suiteCase{
	{"Changes/SequenceOrderOnePerPage", testChangesOrder},
	{"Changes/PagingExactlyOnce", testChangesPaging},
	{"Changes/ReapplyMovesRowSkipDoesNot", testChangesReapply},
	{"MaxVersion/EveryTableAndTombstones", testMaxVersion},
	{"HeadSeq/NewestRowOfAnyTable", testHeadSeq},
}

// testHeadSeq checks that HeadSeq is the sequence of the newest applied
// row whatever its table, moves when a row is re-applied, stays when a
// write is skipped, and that nothing follows it in the change feed.
func testHeadSeq(t *testing.T, s memory.Store) {
	want := func(what string) int64 {
		t.Helper()
		head, err := s.HeadSeq(ctx(t))
		if err != nil {
			t.Fatalf("%s: HeadSeq: %v", what, err)
		}
		if all := changes(t, s, 0, memory.MaxPageLimit); head != all.NextSeq {
			t.Fatalf("%s: HeadSeq = %d; the feed ends at %d", what, head, all.NextSeq)
		}
		if tail := changes(t, s, head, 10); !tail.Empty() {
			t.Fatalf("%s: rows after HeadSeq %d: %v", what, head, rowKeys(tail))
		}
		return head
	}
	if head := want("empty store"); head != 0 {
		t.Fatalf("empty store: HeadSeq = %d; want 0", head)
	}
	ii := ids(2)
	a := mem(ii[0], "a", "x")
	a.Version = ver(5)
	applyMems(t, s, a, mem(ii[1], "b", "x"))
	h1 := want("memories")
	apply(t, s, memory.Batch{Links: []memory.Link{link(ii[0], ii[1], memory.RelatedTo)}})
	h2 := want("link")
	apply(t, s, memory.Batch{Records: []memory.Record{record("k", "r", `1`)}})
	h3 := want("record")
	if !(h1 < h2 && h2 < h3) {
		t.Fatalf("HeadSeq does not advance: %d, %d, %d", h1, h2, h3)
	}
	older := a
	older.Content, older.Version = "older", ver(1)
	applyMems(t, s, older)
	if h := want("skipped write"); h != h3 {
		t.Fatalf("a skipped write moved HeadSeq from %d to %d", h3, h)
	}
	newer := a
	newer.Content, newer.Version = "newer", ver(9)
	applyMems(t, s, newer)
	if h := want("re-applied memory"); h <= h3 {
		t.Fatalf("re-applying a memory left HeadSeq at %d (was %d)", h, h3)
	}
}

// testMaxVersion checks that the greatest version counts every table,
// tombstones included, and that an older write applied later, or skipped,
// does not lower it.
func testMaxVersion(t *testing.T, s memory.Store) {
	want := func(what string, v memory.HLC) {
		t.Helper()
		got, err := s.MaxVersion(ctx(t))
		if err != nil || got != v {
			t.Fatalf("%s: MaxVersion = %v, %v; want %v", what, got, err, v)
		}
	}
	want("empty store", 0)
	ii := ids(3)
	a := mem(ii[0], "a", "x")
	a.Version = ver(5)
	applyMems(t, s, a)
	want("one memory", ver(5))
	b := mem(ii[1], "b", "x")
	b.Version = ver(2) // older, applied later
	applyMems(t, s, b)
	want("older memory applied later", ver(5))
	apply(t, s, memory.Batch{Links: []memory.Link{{SourceID: ii[0], TargetID: ii[1], Relation: memory.RelatedTo,
		CreatedAt: base, Origin: "node-a", Version: ver(9)}}})
	want("link", ver(9))
	apply(t, s, memory.Batch{Records: []memory.Record{{Kind: "k", Key: "r", Value: []byte(`1`), Deleted: true,
		UpdatedAt: base, Origin: "node-a", Version: ver(12)}}})
	want("record tombstone", ver(12))
	gone := a
	gone.State, gone.Content, gone.Version = memory.StateDeleted, "", ver(20)
	applyMems(t, s, gone)
	want("memory tombstone", ver(20))
}

// rowKeys names every row of a change page.
func rowKeys(cs memory.ChangeSet) []string {
	var out []string
	for _, m := range cs.Memories {
		out = append(out, fmt.Sprintf("m:%s@%d", m.ID, m.Version))
	}
	for _, l := range cs.Links {
		out = append(out, fmt.Sprintf("l:%s>%s:%s@%d", l.SourceID, l.TargetID, l.Relation, l.Version))
	}
	for _, r := range cs.Records {
		out = append(out, fmt.Sprintf("r:%s/%s@%d", r.Kind, r.Key, r.Version))
	}
	return out
}

func changes(t *testing.T, s memory.Store, after int64, limit int) memory.ChangeSet {
	t.Helper()
	cs, err := s.Changes(ctx(t), after, limit)
	if err != nil {
		t.Fatalf("Changes(%d, %d): %v", after, limit, err)
	}
	return cs
}

// pageChanges reads every change after `after` in pages of limit, checking
// the cursor, and returns the row keys page by page.
func pageChanges(t *testing.T, s memory.Store, after int64, limit int) (pages [][]string, next int64) {
	t.Helper()
	for range 10000 {
		cs := changes(t, s, after, limit)
		keys := rowKeys(cs)
		if len(keys) > limit {
			t.Fatalf("page of %d rows with limit %d", len(keys), limit)
		}
		if len(keys) == 0 {
			if cs.NextSeq != after || cs.More {
				t.Fatalf("empty page after %d: next_seq %d more %v", after, cs.NextSeq, cs.More)
			}
			return pages, after
		}
		if cs.NextSeq <= after {
			t.Fatalf("next_seq %d does not advance past %d", cs.NextSeq, after)
		}
		pages = append(pages, keys)
		after = cs.NextSeq
		if !cs.More {
			if tail := changes(t, s, after, limit); !tail.Empty() {
				t.Fatalf("more=false but rows follow: %v", rowKeys(tail))
			}
			return pages, after
		}
	}
	t.Fatal("Changes never ended")
	return nil, 0
}

func testChangesOrder(t *testing.T, s memory.Store) {
	ii := ids(3)
	deadMem := mem(ii[2], "gone", "x")
	deadMem.State = memory.StateDeleted
	deadLink := link(ii[1], ii[0], memory.Contradicts)
	deadLink.Deleted = true
	deadRec := record("k", "gone", `null`)
	deadRec.Deleted = true
	// One row per batch, so the application order is the sequence order.
	batches := []memory.Batch{
		{Records: []memory.Record{record("k", "r1", `1`)}},
		{Memories: []memory.Memory{mem(ii[0], "m0", "x")}},
		{Links: []memory.Link{link(ii[0], ii[1], memory.RelatedTo)}},
		{Memories: []memory.Memory{mem(ii[1], "m1", "x")}},
		{Memories: []memory.Memory{deadMem}}, // tombstones replicate too
		{Links: []memory.Link{deadLink}},
		{Records: []memory.Record{deadRec}},
		{Records: []memory.Record{record("k", "r2", `2`)}},
	}
	var want []string
	for _, b := range batches {
		apply(t, s, b)
		want = append(want, rowKeys(memory.ChangeSet{Batch: b})...)
	}
	pages, _ := pageChanges(t, s, 0, 1)
	var got []string
	for _, p := range pages {
		got = append(got, p...)
	}
	wantIDs(t, "changes one per page", got, want)

	// Rows carry their full content.
	cs := changes(t, s, 0, 100)
	if len(cs.Memories) != 3 || len(cs.Links) != 2 || len(cs.Records) != 3 || cs.More {
		t.Fatalf("all changes in one page: %v more=%v", rowKeys(cs), cs.More)
	}
	for _, m := range cs.Memories {
		sameMemory(t, "changed memory "+m.ID, &m, get(t, s, m.ID))
	}
	if !cs.Links[1].Deleted || !cs.Records[1].Deleted || !jsonEqual(t, cs.Records[0].Value, []byte(`1`)) {
		t.Fatalf("change rows lost fields: %+v %+v", cs.Links, cs.Records)
	}
}

func testChangesPaging(t *testing.T, s memory.Store) {
	const batches, perBatch = 20, 7
	all := ids(batches * perBatch)
	var want []string
	var boundaries []int // index into want where each batch starts
	for b := range batches {
		var batch memory.Batch
		for i := range perBatch {
			id := all[b*perBatch+i]
			switch i % 3 {
			case 0:
				batch.Memories = append(batch.Memories, mem(id, id, "paging"))
			case 1:
				batch.Links = append(batch.Links, link(id, all[0], memory.RelatedTo))
			case 2:
				batch.Records = append(batch.Records, record("page", id, `{"i":1}`))
			}
		}
		boundaries = append(boundaries, len(want))
		apply(t, s, batch)
		want = append(want, rowKeys(memory.ChangeSet{Batch: batch})...)
	}
	batchOf := map[string]int{}
	for b, start := range boundaries {
		for _, k := range want[start:min(start+perBatch, len(want))] {
			batchOf[k] = b
		}
	}
	for _, limit := range []int{1, 3, 7, 10, 140, 1000} {
		pages, _ := pageChanges(t, s, 0, limit)
		seen := map[string]bool{}
		lastBatch := -1
		for pi, p := range pages {
			if pi < len(pages)-1 && len(p) != limit {
				t.Fatalf("limit %d: short page %d of %d rows before the end", limit, pi, len(p))
			}
			pageMin, pageMax := len(want), -1
			for _, k := range p {
				if seen[k] {
					t.Fatalf("limit %d: row %s seen twice", limit, k)
				}
				seen[k] = true
				pageMin, pageMax = min(pageMin, batchOf[k]), max(pageMax, batchOf[k])
			}
			// Sequence order: no row of an earlier batch after a later one.
			if pageMin < lastBatch {
				t.Fatalf("limit %d: page %d goes back from batch %d to %d", limit, pi, lastBatch, pageMin)
			}
			lastBatch = pageMax
		}
		if len(seen) != len(want) {
			t.Fatalf("limit %d: %d distinct rows, want %d", limit, len(seen), len(want))
		}
	}
}

func testChangesReapply(t *testing.T, s memory.Store) {
	ii := ids(3)
	for _, id := range ii {
		applyMems(t, s, mem(id, id, "v1"))
	}
	rec := record("k", "key", `1`)
	apply(t, s, memory.Batch{Records: []memory.Record{rec}})
	_, head := pageChanges(t, s, 0, 100)

	// A skipped older write and a touch produce nothing.
	older := mem(ii[0], ii[0], "v0")
	older.Version = ver(0)
	applyMems(t, s, older)
	if err := s.Touch(ctx(t), ii, base.Add(ms(10))); err != nil {
		t.Fatal(err)
	}
	if cs := changes(t, s, head, 100); !cs.Empty() || cs.NextSeq != head {
		t.Fatalf("skipped write or touch produced changes: %v next %d", rowKeys(cs), cs.NextSeq)
	}

	// A newer version of the first row moves it to the end, once.
	newer := mem(ii[0], ii[0], "v2")
	newer.Version = ver(2)
	applyMems(t, s, newer)
	rec.Version, rec.Value = ver(2), []byte(`2`)
	apply(t, s, memory.Batch{Records: []memory.Record{rec}})
	tail := changes(t, s, head, 100)
	wantIDs(t, "changes after the head", rowKeys(tail), []string{
		fmt.Sprintf("m:%s@%d", ii[0], ver(2)), fmt.Sprintf("r:k/key@%d", ver(2)),
	})
	if tail.NextSeq <= head {
		t.Fatalf("next_seq %d not past %d", tail.NextSeq, head)
	}
	if tail.Memories[0].Content != "v2" {
		t.Fatalf("change carries content %q, want v2", tail.Memories[0].Content)
	}
	pages, _ := pageChanges(t, s, 0, 2)
	var got []string
	for _, p := range pages {
		got = append(got, p...)
	}
	wantIDs(t, "full scan after re-apply", got, []string{
		fmt.Sprintf("m:%s@%d", ii[1], ver(1)), fmt.Sprintf("m:%s@%d", ii[2], ver(1)),
		fmt.Sprintf("m:%s@%d", ii[0], ver(2)), fmt.Sprintf("r:k/key@%d", ver(2)),
	})
}

package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var applyCases = []suiteCase{
	{"Apply/InsertReplaceSkipOlder", testInsertReplaceSkip},
	{"Apply/OriginBreaksVersionTies", testOriginTieBreak},
	{"Apply/OutOfOrderAndInBatchDuplicates", testOutOfOrder},
	{"Apply/ReapplyIsIdempotent", testIdempotent},
	{"Apply/EmptyBatch", testEmptyBatch},
	{"Apply/MemoryTombstoneWins", testMemoryTombstone},
	{"Apply/LinkAndRecordTombstonesWin", testLinkRecordTombstones},
	{"Apply/RoundTripEveryField", testRoundTrip},
	{"Apply/ReplaceIsWholeRow", testReplaceWholeRow},
	{"Apply/InvalidRowsRejectWholeBatch", testInvalidRows},
	{"Apply/ConcurrentWriters", testConcurrentApply},
}

func testInsertReplaceSkip(t *testing.T, s memory.Store) {
	id := ids(1)[0]
	v1 := mem(id, "first", "one")
	if res := applyMems(t, s, v1); res.Memories != 1 {
		t.Fatalf("insert: applied %d, want 1", res.Memories)
	}
	v3 := v1
	v3.Content, v3.Version, v3.UpdatedAt = "three", ver(3), base.Add(ms(3))
	if res := applyMems(t, s, v3); res.Memories != 1 {
		t.Fatalf("replace with newer: applied %d, want 1", res.Memories)
	}
	v2 := v1
	v2.Content, v2.Version = "two", ver(2)
	if res := applyMems(t, s, v2); res.Memories != 0 {
		t.Fatalf("older write: applied %d, want 0", res.Memories)
	}
	if res := applyMems(t, s, v3); res.Memories != 0 {
		t.Fatalf("same version again: applied %d, want 0", res.Memories)
	}
	sameMemory(t, "after skipped writes", get(t, s, id), &v3)
}

func testOriginTieBreak(t *testing.T, s memory.Store) {
	id := ids(1)[0]
	a := mem(id, "tie", "from a")
	b := a
	b.Origin, b.Content = "node-b", "from b"
	if res := applyMems(t, s, a); res.Memories != 1 {
		t.Fatalf("first write applied %d", res.Memories)
	}
	if res := applyMems(t, s, b); res.Memories != 1 {
		t.Fatalf("same version, greater origin: applied %d, want 1", res.Memories)
	}
	if res := applyMems(t, s, a); res.Memories != 0 {
		t.Fatalf("same version, smaller origin: applied %d, want 0", res.Memories)
	}
	sameMemory(t, "tie winner", get(t, s, id), &b)
	// A greater version beats a greater origin.
	c := a
	c.Version, c.Content = ver(2), "newer from a"
	if res := applyMems(t, s, c); res.Memories != 1 {
		t.Fatalf("newer version from smaller origin: applied %d, want 1", res.Memories)
	}
	sameMemory(t, "newer version", get(t, s, id), &c)
}

func testOutOfOrder(t *testing.T, s memory.Store) {
	ii := ids(3)
	// Newest first, then older: the newest stays.
	old, mid, newest := mem(ii[0], "t", "v1"), mem(ii[0], "t", "v2"), mem(ii[0], "t", "v3")
	mid.Version, newest.Version = ver(2), ver(3)
	applyMems(t, s, newest)
	applyMems(t, s, old, mid)
	sameMemory(t, "older writes after newest", get(t, s, ii[0]), &newest)

	// Two versions of one row inside a batch: the newer wins in either order.
	for i, order := range [][2]int{{0, 1}, {1, 0}} {
		id := ii[1+i]
		vs := [2]memory.Memory{mem(id, "dup", "older"), mem(id, "dup", "newer")}
		vs[1].Version = ver(9)
		applyMems(t, s, vs[order[0]], vs[order[1]])
		sameMemory(t, "in-batch duplicate", get(t, s, id), &vs[1])
	}
}

// mixedBatch has two memories, a link and a record.
func mixedBatch(ii []string) memory.Batch {
	return memory.Batch{
		Memories: []memory.Memory{mem(ii[0], "a", "alpha"), mem(ii[1], "b", "beta")},
		Links: []memory.Link{{SourceID: ii[0], TargetID: ii[1], Relation: memory.RelatedTo,
			CreatedAt: base, Origin: "node-a", Version: ver(1)}},
		Records: []memory.Record{{Kind: "test", Key: "k", Value: json.RawMessage(`{"x":1}`),
			UpdatedAt: base, Origin: "node-a", Version: ver(1)}},
	}
}

func testIdempotent(t *testing.T, s memory.Store) {
	b := mixedBatch(ids(2))
	first := apply(t, s, b)
	if first != (memory.ApplyResult{Memories: 2, Links: 1, Records: 1}) {
		t.Fatalf("first apply: %+v", first)
	}
	cs, err := s.Changes(ctx(t), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	again := apply(t, s, b)
	if again != (memory.ApplyResult{}) {
		t.Fatalf("re-apply: %+v, want nothing applied", again)
	}
	after, err := s.Changes(ctx(t), cs.NextSeq, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Empty() || after.NextSeq != cs.NextSeq {
		t.Fatalf("re-apply produced changes: %+v", after)
	}
}

func testEmptyBatch(t *testing.T, s memory.Store) {
	res, err := s.Apply(ctx(t), &memory.Batch{})
	if err != nil || res != (memory.ApplyResult{}) {
		t.Fatalf("empty batch: %+v, %v", res, err)
	}
	cs, err := s.Changes(ctx(t), 0, 10)
	if err != nil || !cs.Empty() || cs.More {
		t.Fatalf("empty batch left changes: %+v, %v", cs, err)
	}
}

func testMemoryTombstone(t *testing.T, s memory.Store) {
	id := ids(1)[0]
	live := mem(id, "doomed", "tombstone candidate")
	applyMems(t, s, live)
	dead := live
	dead.State, dead.Version, dead.UpdatedAt = memory.StateDeleted, ver(3), base.Add(ms(3))
	applyMems(t, s, dead)
	late := live
	late.Content, late.Version = "late update", ver(2)
	if res := applyMems(t, s, late); res.Memories != 0 {
		t.Fatalf("older update over tombstone applied %d, want 0", res.Memories)
	}
	sameMemory(t, "tombstone", get(t, s, id), &dead)
	_, err := s.FindByTitle(ctx(t), "test", "doomed")
	wantNotFound(t, "FindByTitle of deleted", err)
	if got, _ := list(t, s, memory.ListQuery{Limit: 10}); len(got) != 0 {
		t.Fatalf("deleted memory listed as active: %v", memIDs(got))
	}
	hits, err := s.Search(ctx(t), memory.SearchQuery{Terms: []string{"tombstone"}, MatchAll: true})
	if err != nil || len(hits) != 0 {
		t.Fatalf("deleted memory searchable: %v, %v", hitIDs(hits), err)
	}
	// A newer write may bring it back: deletion is a version like any other.
	back := live
	back.Version, back.Content = ver(4), "restored tombstone"
	applyMems(t, s, back)
	sameMemory(t, "newer write over tombstone", get(t, s, id), &back)
}

func testLinkRecordTombstones(t *testing.T, s memory.Store) {
	ii := ids(2)
	applyMems(t, s, mem(ii[0], "a", "a"), mem(ii[1], "b", "b"))
	link := memory.Link{SourceID: ii[0], TargetID: ii[1], Relation: memory.Supersedes,
		CreatedAt: base, Origin: "node-a", Version: ver(1)}
	rec := memory.Record{Kind: "k", Key: "key", Value: json.RawMessage(`"v1"`),
		UpdatedAt: base, Origin: "node-a", Version: ver(1)}
	apply(t, s, memory.Batch{Links: []memory.Link{link}, Records: []memory.Record{rec}})

	deadLink, deadRec := link, rec
	deadLink.Deleted, deadLink.Version = true, ver(3)
	deadRec.Deleted, deadRec.Version, deadRec.Value = true, ver(3), json.RawMessage(`null`)
	res := apply(t, s, memory.Batch{Links: []memory.Link{deadLink}, Records: []memory.Record{deadRec}})
	if res.Links != 1 || res.Records != 1 {
		t.Fatalf("tombstones applied %+v", res)
	}
	lateLink, lateRec := link, rec
	lateLink.Version, lateRec.Version, lateRec.Value = ver(2), ver(2), json.RawMessage(`"late"`)
	res = apply(t, s, memory.Batch{Links: []memory.Link{lateLink}, Records: []memory.Record{lateRec}})
	if res != (memory.ApplyResult{}) {
		t.Fatalf("older writes over tombstones applied %+v", res)
	}
	for _, id := range ii {
		if ls, err := s.Links(ctx(t), id); err != nil || len(ls) != 0 {
			t.Fatalf("Links(%s) after delete: %+v, %v", id, ls, err)
		}
	}
	_, err := s.GetRecord(ctx(t), "k", "key")
	wantNotFound(t, "GetRecord of deleted", err)
	if rs, err := s.ListRecords(ctx(t), "k", ""); err != nil || len(rs) != 0 {
		t.Fatalf("ListRecords after delete: %+v, %v", rs, err)
	}
	// Newer writes bring both back.
	link.Version, rec.Version = ver(4), ver(4)
	apply(t, s, memory.Batch{Links: []memory.Link{link}, Records: []memory.Record{rec}})
	if ls, err := s.Links(ctx(t), ii[0]); err != nil || len(ls) != 1 {
		t.Fatalf("Links after re-create: %+v, %v", ls, err)
	}
	if _, err := s.GetRecord(ctx(t), "k", "key"); err != nil {
		t.Fatalf("GetRecord after re-create: %v", err)
	}
}

func testRoundTrip(t *testing.T, s memory.Store) {
	ii := ids(3)
	full := memory.Memory{
		ID:             ii[0],
		Tier:           memory.TierLong,
		Namespace:      "proj/sub-1:x.y_z",
		Title:          `Ünïcode "quoted" title — 日本語 ✓`,
		Content:        "line one\nline two\t'single' \"double\" \\ backslash 🎉\r\n" + strings.Repeat("x", 60000),
		Tags:           []string{"zeta", "alpha", "50%", "a_b", "日本"},
		Priority:       9,
		Confidence:     0.125,
		Source:         "api",
		AgentID:        "agent:7/α",
		Metadata:       metadata(t, `{"n":1.5,"i":42,"s":"x","b":true,"z":null,"arr":[1,"two",{"three":3}],"nested":{"deep":{"deeper":["a","b"]}}}`),
		AccessCount:    7,
		CreatedAt:      base.Add(-ms(86_400_123)),
		UpdatedAt:      base.Add(ms(999)),
		LastAccessedAt: ptr(base.Add(ms(1))),
		ExpiresAt:      ptr(base.Add(ms(3_600_001))),
		State:          memory.StateActive,
		Origin:         "node-z",
		Version:        memory.MakeHLC(base.UnixMilli()+5, 65535),
	}
	archived := mem(ii[1], "archived one", "gone to the archive")
	archived.State, archived.ArchivedAt = memory.StateArchived, ptr(base.Add(ms(77)))
	archived.Tier, archived.Confidence, archived.Priority = memory.TierShort, 0, 1
	bare := mem(ii[2], "bare", "")
	bare.Tags, bare.Metadata = nil, nil
	applyMems(t, s, full, archived, bare)
	for _, want := range []memory.Memory{full, archived, bare} {
		sameMemory(t, "round trip "+want.Title, get(t, s, want.ID), &want)
	}
	got, _ := list(t, s, memory.ListQuery{States: []memory.State{memory.StateActive, memory.StateArchived}, Limit: 10})
	if len(got) != 3 {
		t.Fatalf("listed %d memories, want 3", len(got))
	}
	for i, want := range []memory.Memory{full, archived, bare} {
		sameMemory(t, "listed "+want.Title, &got[i], &want)
	}
	// Metadata survives as JSON values, tag order as given.
	m := get(t, s, full.ID)
	if !reflect2JSON(t, m.Metadata, full.Metadata) {
		t.Fatalf("metadata changed: %v", m.Metadata)
	}
}

func reflect2JSON(t *testing.T, a, b map[string]any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return jsonEqual(t, x, y)
}

func testReplaceWholeRow(t *testing.T, s memory.Store) {
	id := ids(1)[0]
	v1 := mem(id, "whole", "row")
	v1.ExpiresAt, v1.ArchivedAt = ptr(base.Add(time.Hour)), ptr(base)
	v1.Tags, v1.AgentID = []string{"x", "y"}, "agent-1"
	v1.Metadata = map[string]any{"k": "v"}
	applyMems(t, s, v1)
	v2 := mem(id, "whole renamed", "row two")
	v2.Version = ver(2)
	v2.Tags = []string{"y"}
	applyMems(t, s, v2)
	sameMemory(t, "replaced row", get(t, s, id), &v2)
}

func testInvalidRows(t *testing.T, s memory.Store) {
	ii := ids(2)
	good := mem(ii[0], "good", "good row")
	badCases := []struct {
		name string
		b    memory.Batch
	}{
		{"memory without id", memory.Batch{Memories: []memory.Memory{good, mem("", "no id", "x")}}},
		{"unknown state", memory.Batch{Memories: []memory.Memory{good, func() memory.Memory {
			m := mem(ii[1], "bad state", "x")
			m.State = "zombie"
			return m
		}()}}},
		{"unknown tier", memory.Batch{Memories: []memory.Memory{good, func() memory.Memory {
			m := mem(ii[1], "bad tier", "x")
			m.Tier = "forever"
			return m
		}()}}},
		{"link without target", memory.Batch{Memories: []memory.Memory{good}, Links: []memory.Link{{
			SourceID: ii[0], Relation: memory.RelatedTo, CreatedAt: base, Origin: "node-a", Version: ver(1)}}}},
		{"link with unknown relation", memory.Batch{Memories: []memory.Memory{good}, Links: []memory.Link{{
			SourceID: ii[0], TargetID: ii[1], Relation: "likes", CreatedAt: base, Origin: "node-a", Version: ver(1)}}}},
		{"record without key", memory.Batch{Memories: []memory.Memory{good}, Records: []memory.Record{{
			Kind: "k", Value: json.RawMessage(`1`), UpdatedAt: base, Origin: "node-a", Version: ver(1)}}}},
		{"record with broken JSON", memory.Batch{Memories: []memory.Memory{good}, Records: []memory.Record{{
			Kind: "k", Key: "x", Value: json.RawMessage(`{"open":`), UpdatedAt: base, Origin: "node-a", Version: ver(1)}}}},
	}
	for _, c := range badCases {
		_, err := s.Apply(ctx(t), &c.b)
		wantCode(t, c.name, err, memory.CodeInvalid)
		_, err = s.GetMemory(ctx(t), good.ID)
		wantNotFound(t, c.name+": valid row of a rejected batch", err)
	}
	cs, err := s.Changes(ctx(t), 0, 10)
	if err != nil || !cs.Empty() {
		t.Fatalf("rejected batches left changes: %+v, %v", cs, err)
	}
}

func testConcurrentApply(t *testing.T, s memory.Store) {
	const writers, each = 8, 25
	all := ids(writers * each)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := all[w*each+i]
				b := memory.Batch{Memories: []memory.Memory{mem(id, id, "concurrent")}}
				if res, err := s.Apply(ctx(t), &b); err != nil || res.Memories != 1 {
					errs <- fmt.Errorf("apply %s: applied %+v, error %v", id, res, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, more := list(t, s, memory.ListQuery{Limit: writers * each})
	wantIDs(t, "all concurrent writes", memIDs(got), all)
	if more {
		t.Fatal("more reported after the last row")
	}
	n := countChanges(t, s, 17)
	if n != writers*each {
		t.Fatalf("changes hold %d rows, want %d", n, writers*each)
	}
}

// countChanges pages through every change and returns the number of rows.
func countChanges(t *testing.T, s memory.Store, page int) int {
	t.Helper()
	n := 0
	var after int64
	for range 100000 {
		cs, err := s.Changes(ctx(t), after, page)
		if err != nil {
			t.Fatalf("Changes(%d): %v", after, err)
		}
		n += len(cs.Memories) + len(cs.Links) + len(cs.Records)
		if !cs.More {
			return n
		}
		after = cs.NextSeq
	}
	t.Fatal("Changes never ended")
	return 0
}

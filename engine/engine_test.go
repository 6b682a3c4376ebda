package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var ctx = context.Background()

func TestStoreFillsDefaultsAndTierTTL(t *testing.T) {
	e := openExtrasEngine(t)
	before := e.Now()
	m := mustStore(t, e, NewMemory{Title: "deploy notes", Content: "blue/green"})
	if m.Tier != memory.TierMid || m.Namespace != "global" || m.Priority != 5 || m.Confidence != 1 || m.Source != "api" {
		t.Fatalf("defaults: %+v", m)
	}
	if m.ExpiresAt == nil || m.ExpiresAt.Sub(before) < 7*24*time.Hour-time.Second {
		t.Fatalf("mid expiry %v", m.ExpiresAt)
	}
	long := mustStore(t, e, NewMemory{Title: "forever", Tier: memory.TierLong})
	if long.ExpiresAt != nil {
		t.Fatalf("long memory expires %v", long.ExpiresAt)
	}
	ttl := int64(60)
	short := mustStore(t, e, NewMemory{Title: "brief", Tier: memory.TierShort, TTLSecs: &ttl})
	if d := short.ExpiresAt.Sub(short.CreatedAt); d != time.Minute {
		t.Fatalf("ttl_secs gave %v", d)
	}
	_, err := e.Store(ctx, NewMemory{Title: "both", TTLSecs: &ttl, ExpiresAt: short.ExpiresAt})
	wantCode(t, err, memory.CodeInvalid)
}

func TestStoreSameTitleUpdatesInPlace(t *testing.T) {
	e := openExtrasEngine(t)
	first := mustStore(t, e, NewMemory{Title: "db host", Content: "10.0.0.1", Namespace: "ops"})
	res, err := e.Store(ctx, NewMemory{Title: "db host", Content: "10.0.0.2", Namespace: "ops"})
	if err != nil || res.Created || res.Memory.ID != first.ID || res.Memory.Version <= first.Version {
		t.Fatalf("dedupe: %+v %v", res, err)
	}
	other := mustStore(t, e, NewMemory{Title: "db host", Namespace: "dev"})
	if other.ID == first.ID {
		t.Fatal("dedupe crossed namespaces")
	}
	got, _, err := e.Get(ctx, first.ID)
	if err != nil || got.Content != "10.0.0.2" {
		t.Fatalf("get after dedupe: %+v %v", got, err)
	}
}

func TestConcurrentStoresOfOneTitleKeepOneMemory(t *testing.T) {
	e := openExtrasEngine(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Store(ctx, NewMemory{Title: "race", Namespace: "r"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, err := e.store.CountMemories(ctx, memory.ListQuery{Namespace: "r"})
	if err != nil || n != 1 {
		t.Fatalf("%d memories (%v)", n, err)
	}
}

func TestUpdateChangesOnlyGivenFields(t *testing.T) {
	e := openExtrasEngine(t)
	m := mustStore(t, e, NewMemory{Title: "a", Content: "one", Tags: []string{"x"}})
	c := "two"
	p := 9
	u, _, err := e.Update(ctx, m.ID, Patch{Content: &c, Priority: &p})
	if err != nil || u.Content != "two" || u.Priority != 9 || u.Title != "a" || !reflect.DeepEqual(u.Tags, []string{"x"}) {
		t.Fatalf("update: %+v %v", u, err)
	}
	bad := 11
	_, _, err = e.Update(ctx, m.ID, Patch{Priority: &bad})
	wantCode(t, err, memory.CodeInvalid)
	_, _, err = e.Update(ctx, memory.NewID(time.Now()), Patch{Content: &c})
	wantCode(t, err, memory.CodeNotFound)
}

func TestDeleteTombstonesMemoryAndLinks(t *testing.T) {
	e := openExtrasEngine(t)
	a := mustStore(t, e, NewMemory{Title: "a", Content: "alpha words"})
	b := mustStore(t, e, NewMemory{Title: "b"})
	if _, _, err := e.Link(ctx, a.ID, b.ID, memory.Supersedes); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.Get(ctx, a.ID)
	wantCode(t, err, memory.CodeNotFound)
	_, err = e.Delete(ctx, a.ID)
	wantCode(t, err, memory.CodeNotFound)
	raw, err := e.store.GetMemory(ctx, a.ID)
	if err != nil || raw.State != memory.StateDeleted || raw.Content != "" {
		t.Fatalf("tombstone: %+v %v", raw, err)
	}
	links, err := e.Links(ctx, b.ID)
	if err != nil || len(links) != 0 {
		t.Fatalf("links of survivor: %+v %v", links, err)
	}
	if res, err := e.Search(ctx, "alpha", memory.ListQuery{}); err != nil || res.Count != 0 {
		t.Fatalf("deleted memory searchable: %+v %v", res, err)
	}
}

func TestLinkValidation(t *testing.T) {
	e := openExtrasEngine(t)
	a := mustStore(t, e, NewMemory{Title: "a"})
	_, _, err := e.Link(ctx, a.ID, a.ID, memory.RelatedTo)
	wantCode(t, err, memory.CodeInvalid)
	_, _, err = e.Link(ctx, a.ID, memory.NewID(time.Now()), memory.RelatedTo)
	wantCode(t, err, memory.CodeNotFound)
	_, _, err = e.Link(ctx, a.ID, a.ID, "loves")
	wantCode(t, err, memory.CodeInvalid)
}

func TestRecallRanksTouchesAndPromotes(t *testing.T) {
	st := openExtrasEngine(t).store
	e := New(st, Options{NodeID: "n1", PromoteAfter: 2})
	low := mustStore(t, e, NewMemory{Title: "kafka retention", Content: "kafka topics keep seven days", Priority: ptr(1)})
	high := mustStore(t, e, NewMemory{Title: "kafka brokers", Content: "kafka runs three brokers", Priority: ptr(10)})
	mustStore(t, e, NewMemory{Title: "unrelated", Content: "postgres vacuum"})
	res, err := e.Recall(ctx, RecallQuery{Context: "how is kafka set up"})
	if err != nil || res.Count != 2 || res.Memories[0].ID != high.ID || res.Memories[1].ID != low.ID {
		t.Fatalf("recall order: %+v %v", res, err)
	}
	if res.Memories[0].Score <= res.Memories[1].Score || res.Mode != "keyword" || res.TokensUsed == 0 {
		t.Fatalf("scores: %+v", res)
	}
	if _, err := e.Recall(ctx, RecallQuery{Context: "kafka"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetMemory(ctx, high.ID)
	if err != nil || got.AccessCount != 2 || got.Tier != memory.TierLong || got.ExpiresAt != nil {
		t.Fatalf("after two recalls: %+v %v", got, err)
	}
	budget, err := e.Recall(ctx, RecallQuery{Context: "kafka", BudgetTokens: 1})
	if err != nil || budget.Count != 1 {
		t.Fatalf("budget keeps only the best: %+v %v", budget, err)
	}
	_, err = e.Recall(ctx, RecallQuery{Context: `"AND (`})
	wantCode(t, err, memory.CodeInvalid)
}

func TestRecallIsDeterministicForTies(t *testing.T) {
	e := openExtrasEngine(t)
	for _, title := range []string{"twin one", "twin two", "twin three"} {
		mustStore(t, e, NewMemory{Title: title, Content: "same", Tier: memory.TierLong})
	}
	first, err := e.Search(ctx, "same", memory.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, _ := e.Search(ctx, "same", memory.ListQuery{})
		if !reflect.DeepEqual(ids(first.Results), ids(again.Results)) {
			t.Fatalf("order changed: %v vs %v", ids(first.Results), ids(again.Results))
		}
	}
}

func TestForgetArchivesWithDryRun(t *testing.T) {
	e := openExtrasEngine(t)
	m := mustStore(t, e, NewMemory{Title: "old", Namespace: "tmp"})
	keep := mustStore(t, e, NewMemory{Title: "keep", Namespace: "other"})
	_, err := e.Forget(ctx, ForgetQuery{})
	wantCode(t, err, memory.CodeInvalid)
	dry, err := e.Forget(ctx, ForgetQuery{Namespace: "tmp", DryRun: true})
	if err != nil || dry.Matched != 1 {
		t.Fatalf("dry run %+v %v", dry, err)
	}
	if _, _, err := e.Get(ctx, m.ID); err != nil {
		t.Fatal("dry run changed data")
	}
	if _, err := e.Forget(ctx, ForgetQuery{Namespace: "tmp"}); err != nil {
		t.Fatal(err)
	}
	arch, err := e.ArchiveList(ctx, memory.ListQuery{})
	if err != nil || arch.Count != 1 || arch.Memories[0].ID != m.ID {
		t.Fatalf("archive: %+v %v", arch, err)
	}
	if _, _, err := e.Get(ctx, keep.ID); err != nil {
		t.Fatalf("forget reached another namespace: %v", err)
	}
}

// An expired memory restored from the archive must not carry its past
// expiry back, or the next gc archives it again.
func TestRestoreOfExpiredMemorySurvivesNextGC(t *testing.T) {
	st := openExtrasEngine(t).store
	wall := time.Now()
	e := New(st, Options{NodeID: "n1", Clock: &memory.Clock{Now: func() time.Time { return wall }}})
	ttl := int64(1)
	m := mustStore(t, e, NewMemory{Title: "brief", TTLSecs: &ttl})
	wall = wall.Add(2 * time.Second)
	if res, err := e.GC(ctx, false); err != nil || res.Matched != 1 {
		t.Fatalf("gc: %+v %v", res, err)
	}
	if _, _, err := e.ArchiveRestore(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if res, err := e.GC(ctx, false); err != nil || res.Matched != 0 {
		t.Fatalf("restored memory archived again: %+v %v", res, err)
	}
}

func TestGCArchivesExpired(t *testing.T) {
	st := openExtrasEngine(t).store
	wall := time.Now()
	clock := &memory.Clock{Now: func() time.Time { return wall }}
	e := New(st, Options{NodeID: "n1", Clock: clock})
	ttl := int64(1)
	gone := mustStore(t, e, NewMemory{Title: "brief", TTLSecs: &ttl})
	stay := mustStore(t, e, NewMemory{Title: "stays", Tier: memory.TierLong})
	wall = wall.Add(2 * time.Second)
	res, err := e.GC(ctx, false)
	if err != nil || res.Matched != 1 || res.IDs[0] != gone.ID {
		t.Fatalf("gc: %+v %v", res, err)
	}
	if _, _, err := e.Get(ctx, stay.ID); err != nil {
		t.Fatal(err)
	}
	purged, err := e.ArchivePurge(ctx, 0, false)
	if err != nil || purged.Matched != 1 {
		t.Fatalf("purge: %+v %v", purged, err)
	}
}

func TestConsolidateIsOneBatchWithProvenance(t *testing.T) {
	st := openExtrasEngine(t).store
	rec := &recordingReplicator{}
	e := New(st, Options{NodeID: "n1", Replicator: rec})
	a := mustStore(t, e, NewMemory{Title: "a", Content: "first", Tags: []string{"x"}})
	b := mustStore(t, e, NewMemory{Title: "b", Content: "second", Priority: ptr(8)})
	res, err := e.Consolidate(ctx, ConsolidateInput{IDs: []string{a.ID, b.ID}, Title: "ab"})
	if err != nil || res.Method != "concatenation" || res.Memory.Tier != memory.TierLong || res.Memory.Priority != 8 {
		t.Fatalf("consolidate: %+v %v", res, err)
	}
	last := rec.batches[len(rec.batches)-1]
	if last.Op != "consolidate" || len(last.Memories) != 3 || len(last.Links) != 2 {
		t.Fatalf("replicated batch: op %s, %d memories, %d links", last.Op, len(last.Memories), len(last.Links))
	}
	links, err := e.Links(ctx, res.Memory.ID)
	if err != nil || len(links) != 2 || links[0].Relation != memory.DerivedFrom {
		t.Fatalf("provenance links: %+v %v", links, err)
	}
	for _, id := range []string{a.ID, b.ID} {
		if _, _, err := e.Get(ctx, id); !memory.IsNotFound(err) {
			t.Fatalf("source %s still active: %v", id, err)
		}
	}
}

func TestQuorumFailureKeepsLocalCopy(t *testing.T) {
	st := openExtrasEngine(t).store
	e := New(st, Options{NodeID: "n1", Replicator: &recordingReplicator{fail: true}})
	res, err := e.Store(ctx, NewMemory{Title: "lonely"})
	wantCode(t, err, memory.CodeQuorumNotMet)
	if got, gerr := st.GetMemory(ctx, res.Memory.ID); gerr != nil || got.Title != "lonely" {
		t.Fatalf("local copy: %+v %v", got, gerr)
	}
}

func TestExportImportIsLosslessAndIdempotent(t *testing.T) {
	src := openExtrasEngine(t)
	a := mustStore(t, src, NewMemory{Title: "a", Content: "x", Tags: []string{"t1", "t2"}, Metadata: map[string]any{"k": map[string]any{"n": 1.5}}})
	b := mustStore(t, src, NewMemory{Title: "b", Namespace: "ns/sub"})
	if _, _, err := src.Link(ctx, a.ID, b.ID, memory.DerivedFrom); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Forget(ctx, ForgetQuery{Namespace: "ns/sub"}); err != nil {
		t.Fatal(err)
	}
	x, err := src.Export(ctx, "")
	if err != nil || x.Count != 2 || len(x.Links) != 1 {
		t.Fatalf("export: %+v %v", x, err)
	}
	raw, _ := json.Marshal(x)
	var back Export
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	dst := openExtrasEngine(t)
	res, err := dst.Import(ctx, &back)
	if err != nil || res.Imported != 2 || res.Links != 1 || len(res.Errors) != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	again, err := dst.Import(ctx, &back)
	if err != nil || again.Imported != 0 || again.Links != 0 {
		t.Fatalf("second import changed rows: %+v %v", again, err)
	}
	y, err := dst.Export(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	x.ExportedAt, y.ExportedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(stripLocal(x), stripLocal(y)) {
		t.Fatalf("round trip differs:\n%+v\n%+v", x, y)
	}
	bad := Export{Memories: []memory.Memory{{ID: "nope"}}}
	res, err = dst.Import(ctx, &bad)
	if err != nil || len(res.Errors) != 1 {
		t.Fatalf("bad import: %+v %v", res, err)
	}
}

// stripLocal drops node-local usage statistics, which an import does not carry over.
func stripLocal(x *Export) *Export {
	c := *x
	c.Memories = append([]memory.Memory(nil), x.Memories...)
	for i := range c.Memories {
		c.Memories[i].AccessCount, c.Memories[i].LastAccessedAt = 0, nil
	}
	return &c
}

type recordingReplicator struct {
	mu      sync.Mutex
	batches []memory.Batch
	fail    bool
}

func (r *recordingReplicator) Replicate(_ context.Context, b *memory.Batch) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, *b)
	if r.fail {
		return 1, &memory.Error{Code: memory.CodeQuorumNotMet, Message: "0 of 1 peers acked"}
	}
	return 2, nil
}

func ptr[T any](v T) *T { return &v }

func ids(hits []memory.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Memory.ID
	}
	return out
}

package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/storetest"
)

// dump is every row of the three tables but its change sequence and rowid,
// and the ids each full-text query finds, so two stores can be compared.
func dump(t *testing.T, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, q := range []string{
		`SELECT json_array(id, tier, namespace, title, content, tags, priority, confidence, source, agent_id,
			metadata, access_count, created_at, updated_at, last_accessed_at, expires_at, state, archived_at,
			origin, version) FROM memories ORDER BY id`,
		`SELECT json_array(source_id, target_id, relation, created_at, deleted, origin, version) FROM links ORDER BY 1`,
		`SELECT json_array(kind, key, value, deleted, updated_at, origin, version) FROM records ORDER BY 1`,
	} {
		rows, err := s.read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			out = append(out, row)
		}
		rows.Close()
	}
	for _, text := range []string{"alpha", "beta", "gamma", "shared", "second", "gone"} {
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: memory.Terms(text), ListQuery: memory.ListQuery{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Memory.ID)
		}
		slices.Sort(ids)
		out = append(out, fmt.Sprint(text, ids))
	}
	return out
}

// loadCase is rows whose upserts could go wrong in one statement: a
// memory written twice in one batch and again in a later batch (newer,
// then older), one that leaves the active state, archived and deleted
// memories, links and records met twice.
func loadCase() []*memory.Batch {
	m := func(i int, title, content string, v uint16, state memory.State) memory.Memory {
		x := testMem(i)
		x.ID = fmt.Sprintf("m%03d", i)
		x.Title, x.Content, x.State, x.Version = title, content, state, memory.MakeHLC(t0.UnixMilli(), v)
		x.Tags, x.Metadata = []string{"shared", title}, map[string]any{"i": float64(i)}
		return x
	}
	var first memory.Batch
	for i := range 450 { // more than two chunks
		first.Memories = append(first.Memories, m(i, "alpha", fmt.Sprint("first content ", i), 1, memory.StateActive))
	}
	first.Memories = append(first.Memories, m(3, "beta", "newer in the same batch", 2, memory.StateActive))
	first.Memories[10].State = memory.StateArchived
	first.Memories[11].State = memory.StateDeleted
	link := memory.Link{SourceID: "m001", TargetID: "m002", Relation: memory.RelatedTo, CreatedAt: t0, Origin: "n1", Version: 5}
	first.Links = []memory.Link{link, {SourceID: "m002", TargetID: "m001", Relation: memory.Supersedes, CreatedAt: t0, Origin: "n1", Version: 5}}
	first.Records = []memory.Record{{Kind: "k", Key: "a", Value: json.RawMessage(`{"v":1}`), UpdatedAt: t0, Origin: "n1", Version: 5}}

	var second memory.Batch
	second.Memories = []memory.Memory{
		m(4, "gamma", "second version", 3, memory.StateActive),            // newer: replaces
		m(5, "stale", "older than the stored row", 0, memory.StateActive), // older: skipped
		m(6, "gone", "deleted now", 4, memory.StateDeleted),               // leaves the index
		m(1000, "gamma", "a new one", 1, memory.StateActive),
	}
	newer := link
	newer.Version, newer.Deleted = 6, true
	second.Links = []memory.Link{newer}
	second.Records = []memory.Record{{Kind: "k", Key: "a", Deleted: true, UpdatedAt: t0, Origin: "n1", Version: 4}} // older
	return []*memory.Batch{&first, &second}
}

// TestLoadStoresWhatApplyStores: the same batches through LoadEmpty and
// through Apply leave the same rows and the same full-text index, and
// count the same rows applied.
func TestLoadStoresWhatApplyStores(t *testing.T) {
	viaApply, viaLoad := openTemp(t, Options{}), openTemp(t, Options{})
	var want []memory.ApplyResult
	for _, b := range loadCase() {
		res, err := viaApply.Apply(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res)
	}
	if got := storetest.Load(t, viaLoad, loadCase()...); !slices.Equal(got, want) {
		t.Fatalf("load applied %+v, Apply %+v", got, want)
	}
	a, l := dump(t, viaApply), dump(t, viaLoad)
	if !slices.Equal(a, l) {
		for i := range min(len(a), len(l)) {
			if a[i] != l[i] {
				t.Fatalf("row %d differs:\napply %s\nload  %s", i, a[i], l[i])
			}
		}
		t.Fatalf("apply holds %d rows, load %d", len(a), len(l))
	}
	// Writes after the load index and sequence as usual.
	after := testMem(2000)
	after.ID, after.Title = "m2000", "alpha after"
	mustApply(t, viaLoad, after)
	cs, err := viaLoad.Changes(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if last := cs.Memories[len(cs.Memories)-1]; last.ID != "m2000" {
		t.Fatalf("the write after the load is not last in the feed: %s", last.ID)
	}
	hits, err := viaLoad.Search(context.Background(), memory.SearchQuery{Terms: memory.Terms("after"), ListQuery: memory.ListQuery{Limit: 10}})
	if err != nil || len(hits) != 1 {
		t.Fatalf("search after the load: %d hits, %v", len(hits), err)
	}
}

// TestLoadOnlyIntoAnEmptyStore: a store holding a row is not loaded and
// fn is not called.
func TestLoadOnlyIntoAnEmptyStore(t *testing.T) {
	s := openTemp(t, Options{})
	rec := memory.Record{Kind: "k", Key: "x", UpdatedAt: time.Now().UTC(), Origin: "n1", Version: 1}
	if _, err := s.Apply(context.Background(), &memory.Batch{Records: []memory.Record{rec}}); err != nil {
		t.Fatal(err)
	}
	called := false
	loaded, err := s.LoadEmpty(context.Background(), func(memory.ApplyFunc) error { called = true; return nil })
	if loaded || err != nil || called {
		t.Fatalf("LoadEmpty on a store with a record: loaded %v, err %v, fn called %v", loaded, err, called)
	}
}

// TestFailedLoadKeepsNothing: when fn fails after batches were written,
// nothing is kept, and a refused batch did not stop the load before.
func TestFailedLoadKeepsNothing(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	boom := errors.New("boom")
	loaded, err := s.LoadEmpty(ctx, func(apply memory.ApplyFunc) error {
		if _, err := apply(ctx, loadCase()[0]); err != nil {
			return err
		}
		bad := testMem(1)
		bad.Tier = "huge"
		if _, err := apply(ctx, &memory.Batch{Memories: []memory.Memory{bad}}); memory.ErrorCode(err) != memory.CodeInvalid {
			return fmt.Errorf("bad row: %v", err)
		}
		if _, err := apply(ctx, loadCase()[1]); err != nil {
			return fmt.Errorf("after a refused batch: %v", err)
		}
		return boom
	})
	if !loaded || !errors.Is(err, boom) {
		t.Fatalf("LoadEmpty: %v, %v", loaded, err)
	}
	if rows := dump(t, s); len(rows) != 6 { // the six empty searches
		t.Fatalf("the failed load left %q", rows)
	}
	// The writer goes on.
	mustApply(t, s, testMem(1))
}

// TestLoadWaitsForFnOnCancel: cancelling the caller's context ends the
// load only once fn has returned, and keeps nothing.
func TestLoadWaitsForFnOnCancel(t *testing.T) {
	s := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	returned := false
	loaded, err := s.LoadEmpty(ctx, func(apply memory.ApplyFunc) error {
		if _, err := apply(ctx, loadCase()[0]); err != nil {
			return err
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
		_, err := apply(ctx, loadCase()[1])
		returned = true
		return err
	})
	if !loaded || !errors.Is(err, context.Canceled) || !returned {
		t.Fatalf("LoadEmpty: %v, %v, fn returned %v", loaded, err, returned)
	}
	if rows := dump(t, s); len(rows) != 6 {
		t.Fatalf("the cancelled load left %q", rows)
	}
}

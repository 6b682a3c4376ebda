package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/storetest"
	"github.com/jackc/pgx/v5"
)

// rowsAsJSON is every row of the three tables but its change sequence, as
// PostgreSQL prints it (the tsvector included), in key order.
func rowsAsJSON(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `
		SELECT (to_jsonb(m) - 'seq')::text FROM (SELECT *, fts::text AS fts_text FROM memories ORDER BY id) m
		UNION ALL SELECT (to_jsonb(l) - 'seq')::text FROM (SELECT * FROM links ORDER BY source_id, target_id, relation) l
		UNION ALL SELECT (to_jsonb(r) - 'seq')::text FROM (SELECT * FROM records ORDER BY kind, key) r`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func indexDefs(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(),
		`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// awkwardBatch has the rows whose encoding could differ between COPY and
// the upserts: the full-text vector past its position limit (repeats
// clamped to the last position with different weights) and past its
// postings limit, quotes and backslashes, non-ASCII text, empty and
// absent values, every optional timestamp.
func awkwardBatch() *memory.Batch {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.UTC)
	later := at.Add(90 * time.Minute)
	base := testMemory("a0", "title", "content", 1)
	var b memory.Batch
	for i, m := range []func(m *memory.Memory){
		func(m *memory.Memory) {
			m.Title, m.Content = "Zz clamp", strings.Repeat("f ", 16400)+"zz zz zz"
			m.Tags = []string{"zz", "ZZ", "f"}
		},
		func(m *memory.Memory) {
			m.Title, m.Content = `it's a \ back'slash "q"`, "Café crème, 日本語 naïve ß ǅ e\u0301 \u200bzero"
			m.Tags = []string{"标签", `q"uote`, "with space"}
			m.Metadata = map[string]any{"nested": map[string]any{"z": []any{1.5, "x", nil, true}}, "a": "\u00e9"}
		},
		func(m *memory.Memory) {
			m.Title, m.Content, m.Tags, m.Metadata = "empty", "", nil, nil
			m.LastAccessedAt, m.ExpiresAt, m.AccessCount = &later, &later, 7
		},
		func(m *memory.Memory) {
			m.Title, m.State, m.ArchivedAt, m.Confidence, m.Priority = "archived", memory.StateArchived, &later, 0.1, 10
		},
		func(m *memory.Memory) {
			m.Title, m.State, m.CreatedAt, m.UpdatedAt = "gone", memory.StateDeleted, at, later
		},
	} {
		mm := base
		mm.ID = fmt.Sprintf("a%d", i)
		m(&mm)
		b.Memories = append(b.Memories, mm)
	}
	b.Links = []memory.Link{
		{SourceID: "a0", TargetID: "a1", Relation: memory.RelatedTo, CreatedAt: at, Origin: "node-a", Version: base.Version},
		{SourceID: "a1", TargetID: "a0", Relation: memory.Supersedes, CreatedAt: at, Deleted: true, Origin: "node-b", Version: base.Version + 1},
	}
	b.Records = []memory.Record{
		{Kind: memory.KindNamespaceStandard, Key: "pg", Value: json.RawMessage(`{"b": 1, "a": [1, 2]}`), UpdatedAt: at, Origin: "node-a", Version: base.Version},
		{Kind: memory.KindNamespaceStandard, Key: "gone", Deleted: true, UpdatedAt: at, Origin: "node-a", Version: base.Version},
	}
	return &b
}

// TestLoadStoresWhatApplyStores: the same rows through LoadEmpty (COPY)
// and through Apply (upserts) are stored identically, column by column,
// the full-text vector included.
func TestLoadStoresWhatApplyStores(t *testing.T) {
	viaApply, viaLoad := open(t), open(t)
	if _, err := viaApply.Apply(context.Background(), awkwardBatch()); err != nil {
		t.Fatal(err)
	}
	res := storetest.Load(t, viaLoad, awkwardBatch())
	if want := (memory.ApplyResult{Memories: 5, Links: 2, Records: 2}); res[0] != want {
		t.Fatalf("load applied %+v, want %+v", res[0], want)
	}
	a, l := rowsAsJSON(t, viaApply), rowsAsJSON(t, viaLoad)
	if !slices.Equal(a, l) {
		for i := range min(len(a), len(l)) {
			if a[i] != l[i] {
				t.Fatalf("row %d differs:\napply %s\nload  %s", i, a[i], l[i])
			}
		}
		t.Fatalf("apply stored %d rows, load %d", len(a), len(l))
	}
	if !strings.Contains(a[0], `'zz':1A,16383B"`) {
		t.Fatalf("the clamped row lost its clamped position: %.300s", a[0])
	}
}

// TestLoadAppliesLastWriterWinsAcrossBatches: a row met again in a later
// batch (changed while the source was read) does not fail the load; the
// newer version wins, an older one is not applied, and the change
// sequence stays unique and ahead of every row.
func TestLoadAppliesLastWriterWinsAcrossBatches(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	m1, m2 := testMemory("m1", "first", "v1", 1), testMemory("m2", "second", "x", 1)
	m1v2 := m1
	m1v2.Version, m1v2.Content = m1.Version+1, "v2"
	link := memory.Link{SourceID: "m1", TargetID: "m2", Relation: memory.RelatedTo, CreatedAt: m1.CreatedAt, Origin: "node-a", Version: m1.Version}
	older := link
	older.Version, older.Deleted = link.Version-1, true
	res := storetest.Load(t, s,
		&memory.Batch{Memories: []memory.Memory{m1}, Links: []memory.Link{link}},
		&memory.Batch{Memories: []memory.Memory{m1v2, m2}, Links: []memory.Link{older}},
		&memory.Batch{Memories: []memory.Memory{m1}})
	if want := []memory.ApplyResult{{Memories: 1, Links: 1}, {Memories: 2}, {}}; !slices.Equal(res, want) {
		t.Fatalf("applied %+v, want %+v", res, want)
	}
	got, err := s.GetMemory(ctx, "m1")
	if err != nil || got.Content != "v2" {
		t.Fatalf("m1: %+v, %v", got, err)
	}
	ls, err := s.Links(ctx, "m1")
	if err != nil || len(ls) != 1 || ls[0].Deleted {
		t.Fatalf("links %+v, %v", ls, err)
	}
	m3 := testMemory("m3", "after", "the load", 1)
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m3}}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Memories) != 3 || cs.Memories[2].ID != "m3" || len(cs.Links) != 1 {
		t.Fatalf("feed after the load: %+v", cs)
	}
}

// TestLoadOnlyIntoAnEmptyStore: a store holding any row is not loaded, and
// fn is not called.
func TestLoadOnlyIntoAnEmptyStore(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	rec := memory.Record{Kind: "k", Key: "x", UpdatedAt: time.Now().UTC(), Origin: "node-a", Version: 1}
	if _, err := s.Apply(ctx, &memory.Batch{Records: []memory.Record{rec}}); err != nil {
		t.Fatal(err)
	}
	called := false
	loaded, err := s.LoadEmpty(ctx, func(memory.ApplyFunc) error { called = true; return nil })
	if loaded || err != nil || called {
		t.Fatalf("LoadEmpty on a store with a record: loaded %v, err %v, fn called %v", loaded, err, called)
	}
}

// TestFailedLoadKeepsNothing: when fn fails after batches were written,
// or a batch is refused, the store is as before the load: empty, with
// every index.
func TestFailedLoadKeepsNothing(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	before := indexDefs(t, s)
	boom := errors.New("boom")
	loaded, err := s.LoadEmpty(ctx, func(apply memory.ApplyFunc) error {
		if _, err := apply(ctx, awkwardBatch()); err != nil {
			return err
		}
		// A batch the server refuses (jsonb cannot hold NUL) costs itself
		// only: the load goes on.
		bad := memory.Record{Kind: "k", Key: "nul", Value: json.RawMessage(`{"a": "\u0000"}`),
			UpdatedAt: time.Now().UTC(), Origin: "node-a", Version: 1}
		if _, err := apply(ctx, &memory.Batch{Records: []memory.Record{bad}}); memory.ErrorCode(err) != memory.CodeInvalid {
			return fmt.Errorf("bad row: %v", err)
		}
		// So does one the client cannot encode (JSON has no NaN).
		nan := testMemory("nan", "nan", "nan", 1)
		nan.Metadata = map[string]any{"x": math.NaN()}
		if _, err := apply(ctx, &memory.Batch{Memories: []memory.Memory{nan}}); memory.ErrorCode(err) != memory.CodeInvalid {
			return fmt.Errorf("NaN metadata: %v", err)
		}
		if _, err := apply(ctx, &memory.Batch{Memories: []memory.Memory{testMemory("ok", "ok", "ok", 1)}}); err != nil {
			return fmt.Errorf("after a refused batch: %v", err)
		}
		return boom
	})
	if !loaded || !errors.Is(err, boom) {
		t.Fatalf("LoadEmpty: %v, %v", loaded, err)
	}
	if rows := rowsAsJSON(t, s); len(rows) != 0 {
		t.Fatalf("the failed load left %d rows", len(rows))
	}
	if got := indexDefs(t, s); !slices.Equal(got, before) {
		t.Fatalf("indexes after the failed load:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
}

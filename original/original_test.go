package original_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/original"
	"github.com/aimemory/ai-memory/original/originaltest"
)

func build(t *testing.T, opts originaltest.Options) *originaltest.Fixture {
	t.Helper()
	f, err := originaltest.Build(filepath.Join(t.TempDir(), "their.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func open(t *testing.T, path string) *original.Source {
	t.Helper()
	src, err := original.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// feed reads the whole change feed in pages of 3 rows.
func feed(t *testing.T, src *original.Source) memory.Batch {
	t.Helper()
	var all memory.Batch
	for seq := int64(0); ; {
		cs, err := src.Changes(context.Background(), seq, 3)
		if err != nil {
			t.Fatal(err)
		}
		all.Memories = append(all.Memories, cs.Memories...)
		all.Links = append(all.Links, cs.Links...)
		all.Records = append(all.Records, cs.Records...)
		if !cs.More {
			return all
		}
		if cs.NextSeq <= seq {
			t.Fatalf("feed did not advance past %d", seq)
		}
		seq = cs.NextSeq
	}
}

func TestFeedReadsEveryKindOnce(t *testing.T) {
	f := build(t, originaltest.Options{})
	src := open(t, f.Path)
	kinds, err := migrate.DigestKinds(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range f.Rows {
		if kinds[k].Rows != want {
			t.Errorf("%s: %d rows; want %d", k, kinds[k].Rows, want)
		}
	}
	if len(kinds) != len(f.Rows) {
		t.Errorf("kinds %v; want exactly %v", kinds, f.Rows)
	}
	if p := src.Problems(); len(p) != 0 {
		t.Fatalf("problems on a clean fixture: %q", p)
	}
	b := feed(t, src)
	byID := map[string]memory.Memory{}
	for _, m := range b.Memories {
		byID[m.ID] = m
	}
	plain := byID[originaltest.Plain]
	if plain.AgentID != "claude-code" || plain.Metadata["agent_id"] != "claude-code" || plain.Priority != 7 ||
		plain.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00") != "2026-04-30T14:59:09.993Z" || plain.LastAccessedAt == nil {
		t.Errorf("plain memory mapped to %+v", plain)
	}
	if big := byID[originaltest.Big]; big.Content != f.BigContent || len(big.Content) != 65536 {
		t.Errorf("64 KiB content: %d bytes", len(big.Content))
	}
	if a := byID[originaltest.AgentA]; a.Title != "claude-code" || a.Namespace != memory.NamespaceAgents {
		t.Errorf("agent registry row mapped to title %q in %q", a.Title, a.Namespace)
	}
	if a := byID[originaltest.Archived1]; a.State != memory.StateArchived || a.ArchivedAt == nil {
		t.Errorf("archived row mapped to %+v", a)
	}
	if c := byID[originaltest.Corrupt]; len(c.Metadata) != 0 {
		t.Errorf("corrupt metadata read as %v; want {}", c.Metadata)
	}
	if w := src.Warnings(); len(w) != 1 || !strings.Contains(w[0], originaltest.Corrupt) {
		t.Errorf("warnings %q: want the corrupt metadata named", w)
	}
}

func TestInventoryNamesEveryTableNotCopied(t *testing.T) {
	f := build(t, originaltest.Options{})
	inv, err := open(t, f.Path).Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inv.SchemaVersion != 28 {
		t.Errorf("schema version %d", inv.SchemaVersion)
	}
	got := map[string]int{}
	for _, tb := range inv.NotCopied {
		got[tb.Name] = tb.Rows
	}
	for name, rows := range f.NotCopied {
		if got[name] != rows {
			t.Errorf("not copied %s: %d rows reported; want %d", name, got[name], rows)
		}
	}
	if len(got) != len(f.NotCopied) {
		t.Errorf("not copied %v; want %v", got, f.NotCopied)
	}
	lost := map[string]int{}
	for _, c := range inv.ColumnsNotCopied {
		lost[c.Table+"."+c.Column] = c.Rows
	}
	if lost["memory_links.signature"] != 1 || lost["archived_memories.archive_reason"] != 2 || lost["archived_memories.original_tier"] != 1 {
		t.Errorf("columns not copied: %v", lost)
	}
}

func TestBrokenRowsAreProblemsNotSilence(t *testing.T) {
	f := build(t, originaltest.Options{Broken: true})
	src := open(t, f.Path)
	b := feed(t, src)
	if len(b.Links) != f.Rows["links"] {
		t.Errorf("%d links read; want %d (the broken one left out)", len(b.Links), f.Rows["links"])
	}
	if p := src.Problems(); len(p) != 2 {
		t.Fatalf("problems %q; want the bad time and the unknown relation", p)
	}
}

func TestDetectTellsTheOriginalFromOurs(t *testing.T) {
	f := build(t, originaltest.Options{})
	if v, ok, err := original.Detect(f.Path); err != nil || !ok || v != 28 {
		t.Fatalf("Detect(original) = %d, %v, %v", v, ok, err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "missing.db")} {
		if _, ok, err := original.Detect(p); ok || err != nil {
			t.Fatalf("Detect(%s) = %v, %v", p, ok, err)
		}
	}
	if _, err := original.Open(filepath.Join(t.TempDir(), "missing.db")); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("Open(missing) = %v; want invalid_argument", err)
	}
}

func TestDetectTakesARelativePath(t *testing.T) {
	f := build(t, originaltest.Options{})
	t.Chdir(filepath.Dir(f.Path))
	if v, ok, err := original.Detect(filepath.Base(f.Path)); err != nil || !ok || v != 28 {
		t.Fatalf("Detect(relative) = %d, %v, %v", v, ok, err)
	}
}

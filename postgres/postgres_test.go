package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a store on a fresh database, closed at cleanup.
func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.New(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) memory.Store { return open(t) })
}

func testMemory(id, title, content string, v int) memory.Memory {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return memory.Memory{ID: id, Tier: memory.TierMid, Namespace: "pg", Title: title, Content: content,
		Priority: 5, Confidence: 1, Source: "test", CreatedAt: at, UpdatedAt: at,
		State: memory.StateActive, Origin: "node-a", Version: memory.MakeHLC(at.UnixMilli(), uint16(v))}
}

// TestChangesSeeEveryCommitUnderConcurrentWriters pages through Changes
// while writers commit concurrently. Without serialised writers a sequence
// number can commit after a greater one the reader already passed, and that
// row would be lost to sync; the reader here must see every row.
func TestChangesSeeEveryCommitUnderConcurrentWriters(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	const writers, batches, perBatch = 6, 15, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var batch memory.Batch
				for i := range perBatch {
					id := fmt.Sprintf("w%d-b%02d-%d", w, b, i)
					batch.Memories = append(batch.Memories, testMemory(id, id, "concurrent", 1))
				}
				if _, err := s.Apply(ctx, &batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]bool{}
	var after int64
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		for range 10000 {
			cs, err := s.Changes(ctx, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range cs.Memories {
				seen[m.ID] = true
			}
			after = cs.NextSeq
			if !cs.More {
				break
			}
		}
		if finished {
			break
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*batches*perBatch {
		t.Fatalf("reader saw %d rows, want %d", len(seen), writers*batches*perBatch)
	}
}

func TestTextPostgresCannotStoreIsInvalidAndLosesNothing(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	good := testMemory("good", "good", "fine", 1)
	bad := testMemory("nul", "nul", "a\x00b", 1)
	_, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{good, bad}})
	if memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("NUL byte: got %v, want invalid_argument", err)
	}
	if _, err := s.GetMemory(ctx, "good"); !memory.IsNotFound(err) {
		t.Fatalf("valid row of the rejected batch: %v", err)
	}
	badMeta := testMemory("meta", "meta", "x", 1)
	badMeta.Metadata = map[string]any{"k": "a\x00b"}
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{badMeta}}); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("NUL in metadata: got %v, want invalid_argument", err)
	}
	if res, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{good}}); err != nil || res.Memories != 1 {
		t.Fatalf("store unusable after rejected batches: %+v %v", res, err)
	}
}

// TestRawTermsNeverReachQuerySyntax feeds terms that did not go through
// memory.Terms: quoting must keep every one a plain lexeme.
func TestRawTermsNeverReachQuerySyntax(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	m := testMemory("q", "it's a back\\slash", "colon:star* and (parens) !bang", 1)
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}}); err != nil {
		t.Fatal(err)
	}
	for _, terms := range [][]string{
		{"it's"}, {`back\slash`}, {`\`}, {"'"}, {"''"}, {"colon:star*"}, {"(parens)"}, {"!bang"},
		{"a:*"}, {"&", "|", "!", "<->"}, {"x' | 'y"}, {""},
	} {
		for _, all := range []bool{true, false} {
			if _, err := s.Search(ctx, memory.SearchQuery{Terms: terms, MatchAll: all}); err != nil {
				t.Fatalf("Search(%q, all=%v): %v", terms, all, err)
			}
		}
	}
	hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{"x' | 'colon"}})
	if err != nil || len(hits) != 0 {
		t.Fatalf("injected operator matched: %v %v", hits, err)
	}
	hits, err = s.Search(ctx, memory.SearchQuery{Terms: []string{"parens"}, MatchAll: true})
	if err != nil || len(hits) != 1 {
		t.Fatalf("plain term: %v %v", hits, err)
	}
}

func TestReopenKeepsDataAndRefusesNewerSchema(t *testing.T) {
	url := pgtest.New(t)
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{testMemory("keep", "keep", "x", 1)}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, url, Options{MaxConns: 2})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := s.GetMemory(ctx, "keep"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, url, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

func TestOpenUnreachableIsUnavailable(t *testing.T) {
	// Port 1 on loopback: nothing listens there, the refusal is immediate.
	_, err := Open(context.Background(), "postgres://x@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", Options{})
	if memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	_, err = Open(context.Background(), "postgres://x@127.0.0.1:1/db?sslmode=bogus", Options{})
	if memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("bad URL: got %v, want invalid_argument", err)
	}
}

// TestOversizedTitleIsTooLarge: a replicated row can bypass the engine's
// title limit; a title past the index's row limit is the caller's problem
// (too_large), not a server fault.
func TestOversizedTitleIsTooLarge(t *testing.T) {
	s := open(t)
	var b strings.Builder
	for i := 0; b.Len() < 8000; i++ {
		fmt.Fprintf(&b, "%x", sha256.Sum256([]byte{byte(i), byte(i >> 8)})) // incompressible
	}
	m := testMemory("big", b.String(), "x", 1)
	_, err := s.Apply(context.Background(), &memory.Batch{Memories: []memory.Memory{m}})
	if memory.ErrorCode(err) != memory.CodeTooLarge {
		t.Fatalf("got %v, want too_large", err)
	}
}

// TestSearchTokenisesLikeTerms: documents split where SQLite's unicode61
// splits them (and memory.Terms splits queries), case and diacritics
// folded, so the same words match on both backends.
func TestSearchTokenisesLikeTerms(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	docs := map[string]string{
		"host":    "see example.com/path and v2.0 release",
		"hyphen":  "state-of-the-art zebra_crossing",
		"accent":  "CAFÉ Crème brûlée",
		"zwsp":    "ze\u200bbra in hiding",
		"huge":    strings.Repeat("lion ", 13000) + "tailword", // past 256 postings and position 16383
		"decomp":  "Cafe\u0301 au lait",                        // e + combining acute
		"numbers": "route 66 x²",
	}
	var b memory.Batch
	for id, content := range docs {
		b.Memories = append(b.Memories, testMemory(id, id, content, 1))
	}
	if _, err := s.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string][]string{
		"example":       {"host"},
		"com path":      {"host"},
		"v2":            {"host"}, // "v2.0" is "v2" and "0", as Terms splits it
		"art crossing":  {"hyphen"},
		"cafe":          {"accent", "decomp"},
		"creme brulee":  {"accent"},
		"ZEBRA":         {"hyphen"}, // zebra_crossing splits at "_"; a zero-width space splits too
		"tailword lion": {"huge"},
		"66":            {"numbers"},
		"lait ÉXAMPLE":  nil,
		"\u200b":        nil,
	} {
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: memory.Terms(query), MatchAll: true})
		if err != nil {
			t.Fatalf("%q: %v", query, err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Memory.ID)
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("search %q: got %v, want %v", query, got, want)
		}
	}
}

// TestChangesWaitsForAnEarlierSequenceStillWriting: a writer that drew a
// sequence number and has not committed, and a later writer that committed
// a greater one. A reader paging the feed must not pass the first number
// before its row is visible, or sync would never carry that row.
func TestChangesWaitsForAnEarlierSequenceStillWriting(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, int64(applyLock)); err != nil {
		t.Fatal(err)
	}
	slow, err := memoryColumnsOf(latestMemories([]memory.Memory{testMemory("slow", "slow", "order", 1)}))
	if err != nil {
		t.Fatal(err)
	}
	var res memory.ApplyResult
	if err := upsertColumns(ctx, tx, slow, nil, nil, &res); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{testMemory("fast", "fast", "order", 1)}}); err != nil {
		t.Fatal(err)
	}
	first := make(chan memory.ChangeSet, 1)
	go func() {
		cs, err := s.Changes(ctx, 0, 100)
		if err != nil {
			t.Error(err)
		}
		first <- cs
	}()
	time.Sleep(300 * time.Millisecond) // the reader runs while the slow writer is open
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	cs := <-first
	seen := map[string]bool{}
	for range 100 {
		for _, m := range cs.Memories {
			seen[m.ID] = true
		}
		if !cs.More {
			break
		}
		if cs, err = s.Changes(ctx, cs.NextSeq, 100); err != nil {
			t.Fatal(err)
		}
	}
	// One more page from the mark the reader keeps: a row it skipped is
	// behind that mark for good.
	if cs, err = s.Changes(ctx, cs.NextSeq, 100); err != nil {
		t.Fatal(err)
	}
	for _, m := range cs.Memories {
		seen[m.ID] = true
	}
	if !seen["slow"] || !seen["fast"] {
		t.Fatalf("reader saw %v; want both the slow and the fast writer's rows", seen)
	}
}

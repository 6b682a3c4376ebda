package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"modernc.org/sqlite"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func testMem(i int) memory.Memory {
	return memory.Memory{
		ID: memory.NewID(t0), Tier: memory.TierMid, Namespace: "t", Title: fmt.Sprintf("title %d", i),
		Content: fmt.Sprintf("content number %d", i), Priority: 5, Confidence: 1, Source: "test",
		CreatedAt: t0, UpdatedAt: t0, State: memory.StateActive, Origin: "n1", Version: memory.MakeHLC(t0.UnixMilli(), 1),
	}
}

func mustApply(t testing.TB, s *Store, ms ...memory.Memory) {
	t.Helper()
	if _, err := s.Apply(context.Background(), &memory.Batch{Memories: ms}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func pragma(t *testing.T, conn interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, name string) string {
	t.Helper()
	var v string
	if err := conn.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	for _, c := range []struct{ opt, want string }{{"", "2"}, {"normal", "1"}, {"FULL", "2"}} {
		s := openTemp(t, Options{Synchronous: c.opt})
		if got := pragma(t, s.w.conn, "synchronous"); got != c.want {
			t.Errorf("synchronous option %q: writer has %s, want %s", c.opt, got, c.want)
		}
		if got := pragma(t, s.w.conn, "journal_mode"); got != "wal" {
			t.Errorf("journal_mode %s, want wal", got)
		}
		if got := pragma(t, s.read, "foreign_keys"); got != "0" {
			t.Errorf("foreign_keys %s on readers, want 0", got)
		}
		if got := pragma(t, s.read, "query_only"); got != "1" {
			t.Errorf("readers are not query-only")
		}
		if got := pragma(t, s.w.conn, "busy_timeout"); got != "10000" {
			t.Errorf("busy_timeout %s, want 10000", got)
		}
		if runtime.GOOS == "linux" && !sqlite.FdatasyncEnabled() {
			t.Error("commits sync with fsync, want fdatasync")
		}
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path string
		opts Options
	}{
		{filepath.Join(dir, "a.db"), Options{Synchronous: "OFF"}},
		{filepath.Join(dir, "b.db?mode=memory"), Options{}},
		{"", Options{}},
	} {
		s, err := Open(c.path, c.opts)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q, %+v) succeeded", c.path, c.opts)
		}
		if memory.ErrorCode(err) != memory.CodeInvalid {
			t.Fatalf("Open(%q, %+v): %v, want invalid_argument", c.path, c.opts, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing", "dir", "x.db"), Options{}); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := testMem(1)
	mustApply(t, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for range 2 { // migrations are idempotent
		s, err = Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetMemory(context.Background(), m.ID); err != nil || got.Title != m.Title {
			t.Fatalf("after reopen: %+v, %v", got, err)
		}
		if v := pragma(t, s.read, "user_version"); v != fmt.Sprint(len(migrations)) {
			t.Fatalf("user_version %s, want %d", v, len(migrations))
		}
		s.Close()
	}
	// A file from a newer program is refused, not modified.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(path, Options{}); err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "m.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	m := testMem(1)
	_, err = s.Apply(context.Background(), &memory.Batch{Memories: []memory.Memory{m}})
	if memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("Apply after Close: %v, want unavailable", err)
	}
	if err := s.Touch(context.Background(), []string{m.ID}, t0); memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("Touch after Close: %v, want unavailable", err)
	}
}

func TestCanceledApplyWritesNothing(t *testing.T) {
	s := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := testMem(1)
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a canceled context: %v", err)
	}
	if _, err := s.GetMemory(context.Background(), m.ID); !memory.IsNotFound(err) {
		t.Fatalf("canceled write landed: %v", err)
	}
}

// TestTouchesSurviveClose closes the store while goroutines are touching:
// every touch that returned success must be on disk after reopening.
func TestTouchesSurviveClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := testMem(1), testMem(2)
	mustApply(t, s, a, b)
	const goroutines = 8
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100000 {
				err := s.Touch(context.Background(), []string{a.ID, b.ID}, t0.Add(time.Duration(i)*time.Millisecond))
				if memory.ErrorCode(err) == memory.CodeUnavailable {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				ok.Add(1)
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ok.Load() < 200 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{a.ID, b.ID} {
		m, err := s.GetMemory(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.AccessCount != ok.Load() || m.LastAccessedAt == nil {
			t.Fatalf("after reopen: access_count %d, last %v; want %d acknowledged touches", m.AccessCount, m.LastAccessedAt, ok.Load())
		}
	}
}

// TestGroupCommit checks that concurrent writers share transactions and
// that one failing write in a group leaves its neighbours and the change
// sequence intact.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()

	// Hold the writer so the next writes queue up into one group.
	release := make(chan struct{})
	held := make(chan struct{})
	go s.w.do(ctx, false, func(tx *writeTx) error {
		close(held)
		<-release
		return nil
	})
	<-held
	const n = 20
	mems := make([]memory.Memory, n)
	errs := make(chan error, n+1)
	var wg sync.WaitGroup
	for i := range mems {
		mems[i] = testMem(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{mems[i]}})
			errs <- err
		}()
	}
	boom := errors.New("boom")
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Writes a row, then fails: its row and sequence must vanish.
		errs <- s.w.do(ctx, false, func(tx *writeTx) error {
			args, _ := memoryArgs(&memory.Memory{ID: "doomed", Tier: memory.TierMid, State: memory.StateActive})
			if _, err := tx.upsert(tx.w.stmts.upsertMemory, args); err != nil {
				return err
			}
			return boom
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.w.reqs) < n+1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	before := s.WriteStats()
	close(release)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if errors.Is(err, boom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if failed != 1 {
		t.Fatalf("%d writes reported the failure, want 1", failed)
	}
	after := s.WriteStats()
	if commits := after.Commits - before.Commits; commits > 2 {
		t.Fatalf("%d queued writes took %d commits; want them grouped", n+1, commits)
	}
	if _, err := s.GetMemory(ctx, "doomed"); !memory.IsNotFound(err) {
		t.Fatalf("failed write left its row: %v", err)
	}
	cs, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Memories) != n || cs.NextSeq != n {
		t.Fatalf("changes hold %d rows up to seq %d; want %d gapless", len(cs.Memories), cs.NextSeq, n)
	}
}

func TestLimits(t *testing.T) {
	s := openTemp(t, Options{})
	ms := make([]memory.Memory, MaxLimit+5)
	for i := range ms {
		ms[i] = testMem(i)
		ms[i].Content = "shared word"
	}
	mustApply(t, s, ms...)
	ctx := context.Background()
	for _, c := range []struct{ limit, want int }{{0, DefaultLimit}, {-1, DefaultLimit}, {5, 5}, {MaxLimit + 1, MaxLimit}} {
		got, more, err := s.ListMemories(ctx, memory.ListQuery{Limit: c.limit})
		if err != nil || len(got) != c.want || !more {
			t.Fatalf("list limit %d: %d rows more=%v %v; want %d and more", c.limit, len(got), more, err, c.want)
		}
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{"shared"}, ListQuery: memory.ListQuery{Limit: c.limit}})
		if err != nil || len(hits) != c.want {
			t.Fatalf("search limit %d: %d hits %v; want %d", c.limit, len(hits), err, c.want)
		}
	}
	cs, err := s.Changes(ctx, 0, 0)
	if err != nil || len(cs.Memories) != DefaultLimit || !cs.More {
		t.Fatalf("changes with limit 0: %d rows more=%v %v", len(cs.Memories), cs.More, err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	mustApply(t, s, testMem(0))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{testMem(i)}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	dir := t.TempDir()
	var copies []string
	for i := range 3 {
		time.Sleep(20 * time.Millisecond)
		dst := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := s.Backup(ctx, dst); err != nil {
			t.Fatalf("Backup: %v", err)
		}
		copies = append(copies, dst)
	}
	close(stop)
	wg.Wait()
	if err := s.Backup(ctx, copies[0]); memory.ErrorCode(err) != memory.CodeConflict {
		t.Fatalf("Backup over an existing file: %v, want conflict", err)
	}
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	for _, p := range copies {
		b, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// A consistent snapshot: as many rows as sequence numbers handed out.
		var rows, last int64
		err = b.read.QueryRow("SELECT (SELECT count(*) FROM memories), (SELECT last FROM change_seq)").Scan(&rows, &last)
		if err != nil || rows != last || rows < 1 {
			t.Fatalf("backup %s: %d rows, last seq %d, %v", p, rows, last, err)
		}
		if ic := pragma(t, b.read, "integrity_check"); ic != "ok" {
			t.Fatalf("backup %s integrity: %s", p, ic)
		}
		hits, err := b.Search(ctx, memory.SearchQuery{Terms: []string{"content"}, ListQuery: memory.ListQuery{Limit: 1}})
		if err != nil || len(hits) != 1 {
			t.Fatalf("backup %s search: %d hits, %v", p, len(hits), err)
		}
		b.Close()
	}
}

func TestBareInsertBaseline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.db")
	d, err := BareInsertBaseline(path, 20, "NORMAL")
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 20 || d[0] <= 0 {
		t.Fatalf("durations %v", d)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("baseline left its file: %v", err)
	}
	if _, err := BareInsertBaseline(path, 1, "sometimes"); err == nil {
		t.Fatal("bad synchronous mode accepted")
	}
}

// TestWALStaysBounded: with automatic checkpoints off the write path, the
// background checkpointer must still keep the WAL from growing with every
// commit.
func TestWALStaysBounded(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	for i := range 1500 {
		m := testMem(i)
		m.Content = fmt.Sprintf("row %d with some words to index %d", i, i*7)
		if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}}); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Unchecked, 1500 commits of several pages each leave a WAL of ~80 MB;
	// checkpoints every checkpointCommits keep it to a fraction of that.
	if fi.Size() > 24<<20 {
		t.Fatalf("WAL is %d bytes after 1500 commits; checkpoints are not keeping up", fi.Size())
	}
	t.Logf("WAL %d bytes after 1500 commits", fi.Size())
}

// TestPlainTagsAgreesWithJSON: the fast tag decoder reads what
// encoding/json reads, or declines.
func TestPlainTagsAgreesWithJSON(t *testing.T) {
	for _, tags := range [][]string{{}, {"a"}, {"bench", "x-y", "ünï"}, {`q"uote`}, {`back\slash`}, {"", "e"}, {"a,b", "[c]"}} {
		raw, err := json.Marshal(tags)
		if err != nil {
			t.Fatal(err)
		}
		got := plainTags(string(raw))
		if got == nil {
			if strings.ContainsAny(string(raw), `\`) {
				continue // escapes go to encoding/json
			}
			t.Fatalf("plainTags(%s) declined", raw)
		}
		if !slices.Equal(got, tags) {
			t.Fatalf("plainTags(%s) = %q, want %q", raw, got, tags)
		}
	}
	for _, bad := range []string{`["a"`, `["a",]`, `[1]`, `["a" ,"b"]`, `{}`} {
		if got := plainTags(bad); got != nil {
			t.Fatalf("plainTags(%s) = %q, want nil", bad, got)
		}
	}
}

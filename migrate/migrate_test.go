package migrate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/storeurl"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openURL(t testing.TB, url string) memory.Store {
	t.Helper()
	s, err := storeurl.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteURL(t testing.TB, name string) string {
	return "sqlite://" + filepath.Join(t.TempDir(), name)
}

func run(t testing.TB, from, to memory.Store, opts Options) Report {
	t.Helper()
	rep, err := Run(context.Background(), from, to, opts)
	if err != nil {
		t.Fatalf("Run: %v (report %+v)", err, rep)
	}
	if len(rep.Errors) != 0 {
		t.Fatalf("Run reported errors: %v", rep.Errors)
	}
	if !rep.ContentDigest.Match() {
		t.Fatalf("digests differ: %+v", rep.ContentDigest)
	}
	return rep
}

// TestRoundTripSQLitePostgresSQLite is the release gate's migration phase
// with content checks: SQLite → Postgres, the same again (nothing new), then
// Postgres → a fresh SQLite; every step must hold the same rows.
func TestRoundTripSQLitePostgresSQLite(t *testing.T) {
	const n = 1000
	srcURL, pgURL, backURL := sqliteURL(t, "source.db"), pgtest.New(t), sqliteURL(t, "back.db")
	src, pg := openURL(t, srcURL), openURL(t, pgURL)
	f := seed(t, src, n)
	want := counts{memories: f.memories, archived: f.archived, links: f.links, records: f.records}
	if got := countAll(t, src); got != want {
		t.Fatalf("source holds %+v, seeded %+v", got, want)
	}
	srcDigest := mustDigest(t, src)

	fwd := run(t, src, pg, Options{Batch: 500, FromURL: srcURL, ToURL: pgURL})
	if fwd.Read != n || fwd.Written != n || fwd.Links != f.links || fwd.Records != f.records || fwd.Archived != f.archived {
		t.Fatalf("forward report %+v, seeded %+v", fwd, f)
	}
	if fwd.Batches < (n+f.links+f.records)/500 {
		t.Fatalf("forward ran %d batches of 500 for %d rows", fwd.Batches, n+f.links+f.records)
	}
	if fwd.ContentDigest.Source != srcDigest {
		t.Fatalf("streamed source digest %s, Digest %s", fwd.ContentDigest.Source, srcDigest)
	}
	if got := countAll(t, pg); got != want {
		t.Fatalf("postgres holds %+v, want %+v", got, want)
	}

	again := run(t, src, pg, Options{Batch: 500})
	if again.Read != n || again.Written != 0 || again.Links != 0 || again.Records != 0 || again.Archived != 0 {
		t.Fatalf("identical re-run wrote something: %+v", again)
	}

	back := openURL(t, backURL)
	rev := run(t, pg, back, Options{Batch: 500})
	if rev.Read != n || rev.Written != n {
		t.Fatalf("reverse report %+v", rev)
	}
	if got := countAll(t, back); got != want {
		t.Fatalf("round-trip SQLite holds %+v, want %+v", got, want)
	}
	for name, s := range map[string]memory.Store{"postgres": pg, "round trip": back} {
		if d := mustDigest(t, s); d != srcDigest {
			t.Fatalf("%s digest %s, source %s", name, d, srcDigest)
		}
	}
	// The JSON report keeps its contract field names, errors as an array.
	js, _ := json.Marshal(fwd)
	for _, field := range []string{`"batches":`, `"dry_run":false`, `"errors":[]`, `"from_url":"sqlite://`,
		`"to_url":"postgres://`, `"memories_read":1000`, `"memories_written":1000`, `"content_digest":{"source":`} {
		if !strings.Contains(string(js), field) {
			t.Fatalf("report JSON lacks %s: %s", field, js)
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	src, dst := openURL(t, sqliteURL(t, "src.db")), openURL(t, pgtest.New(t))
	seed(t, src, 120)
	rep, err := Run(context.Background(), src, dst, Options{DryRun: true, Batch: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || rep.Read != 120 || rep.Written != 0 || rep.Batches < 3 {
		t.Fatalf("dry run report %+v", rep)
	}
	if got := countAll(t, dst); got != (counts{}) {
		t.Fatalf("dry run wrote %+v", got)
	}
	if rep.ContentDigest.Match() {
		t.Fatalf("dry run: empty destination matches source digest %+v", rep.ContentDigest)
	}
}

func TestNamespaceCopiesItsMemoriesAndTheirLinks(t *testing.T) {
	src, dst := openURL(t, sqliteURL(t, "src.db")), openURL(t, pgtest.New(t))
	seed(t, src, 200)
	rep := run(t, src, dst, Options{Namespace: "proj-1/sub", Batch: 64})
	mems, _, err := dst.ListMemories(context.Background(), memory.ListQuery{
		Limit: 1000, States: []memory.State{memory.StateActive, memory.StateArchived, memory.StateDeleted}})
	if err != nil {
		t.Fatal(err)
	}
	if len(mems) != 40 || rep.Read != 40 || rep.Written != 40 {
		t.Fatalf("copied %d memories (report %+v), want the 40 of proj-1/sub", len(mems), rep)
	}
	for _, m := range mems {
		if m.Namespace != "proj-1/sub" {
			t.Fatalf("memory of %s copied", m.Namespace)
		}
	}
	c := countAll(t, dst)
	if c.records != 0 || c.links == 0 || c.links != rep.Links {
		t.Fatalf("destination holds %+v, report %+v", c, rep)
	}
	for _, id := range []string{mems[0].ID, mems[len(mems)-1].ID} {
		ls, err := dst.Links(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			src, err := dst.GetMemory(context.Background(), l.SourceID)
			if err != nil || src.Namespace != "proj-1/sub" {
				t.Fatalf("link from outside the namespace: %+v (%v)", l, err)
			}
		}
	}
}

// TestInvalidRowIsIsolated: SQLite keeps a NUL byte that PostgreSQL text
// cannot hold. The run reports that one row and copies all the others.
func TestInvalidRowIsIsolated(t *testing.T) {
	src, dst := openURL(t, sqliteURL(t, "src.db")), openURL(t, pgtest.New(t))
	seed(t, src, 100)
	bad := seedMemory(100)
	bad.Content = "nul \x00 byte"
	if _, err := src.Apply(context.Background(), &memory.Batch{Memories: []memory.Memory{bad}}); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), src, dst, Options{Batch: 1000})
	if err != nil {
		t.Fatalf("Run stopped on one bad row: %v", err)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "invalid_argument") || rep.Written != 100 {
		t.Fatalf("report %+v, want 100 written and one error", rep)
	}
	if rep.ContentDigest.Match() {
		t.Fatal("digests match although a row was not copied")
	}
	if _, err := dst.GetMemory(context.Background(), bad.ID); !memory.IsNotFound(err) {
		t.Fatalf("bad row: %v", err)
	}
}

// TestKilledMidwayRerunCompletes SIGKILLs a real process in the middle of a
// migration, then shows the destination is consistent and a re-run
// completes it with equal digests. Into a destination that already holds
// rows each batch is a transaction, so the kill leaves a partial copy;
// into an empty one the copy is one transaction (LoadEmpty), so it leaves
// nothing, and in PostgreSQL the indexes the load had dropped are back.
func TestKilledMidwayRerunCompletes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		already int // source memories the destination holds before the run
		pg      bool
	}{
		{"into a non-empty postgres", 1, true},
		{"into an empty postgres", 0, true},
		{"into an empty sqlite", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 1000
			srcURL, dstURL := sqliteURL(t, "src.db"), sqliteURL(t, "dst.db")
			if tc.pg {
				dstURL = pgtest.New(t)
			}
			src := openURL(t, srcURL)
			seed(t, src, n)
			dst := openURL(t, dstURL)
			if tc.already > 0 {
				cs, err := src.Changes(context.Background(), 0, tc.already)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := dst.Apply(context.Background(), &memory.Batch{Memories: cs.Memories}); err != nil {
					t.Fatal(err)
				}
			}
			var indexes []string
			if tc.pg {
				indexes = indexDefs(t, dstURL)
			}
			batches := killMigrationAfter(t, srcURL, dstURL, 5)

			partial := countAll(t, dst)
			if tc.already == 0 && partial != (counts{}) {
				t.Fatalf("after the kill the empty destination holds %+v; want nothing", partial)
			}
			if tc.already > 0 && (partial.memories < 5*25 || partial.memories >= n) {
				t.Fatalf("after the kill the destination holds %+v; want a partial copy", partial)
			}
			if got := indexesOf(t, tc.pg, dstURL); !slices.Equal(got, indexes) {
				t.Fatalf("indexes after the kill:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(indexes, "\n"))
			}
			t.Logf("killed after %d batches; destination held %+v", batches, partial)
			rep := run(t, src, dst, Options{Batch: 200})
			if rep.Written != n-partial.memories {
				t.Fatalf("re-run wrote %d, want the %d missing", rep.Written, n-partial.memories)
			}
			if mustDigest(t, dst) != mustDigest(t, src) {
				t.Fatal("digests differ after the re-run")
			}
			if got := indexesOf(t, tc.pg, dstURL); !slices.Equal(got, indexes) {
				t.Fatalf("indexes after the re-run:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(indexes, "\n"))
			}
		})
	}
}

func indexesOf(t *testing.T, pg bool, url string) []string {
	if !pg {
		return nil
	}
	return indexDefs(t, url)
}

// killMigrationAfter runs a slow migration in a child process and SIGKILLs
// it once it has reported the given number of batches.
func killMigrationAfter(t *testing.T, srcURL, dstURL string, batches int) int {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^TestHelperMigrateSlowly$")
	child.Env = append(os.Environ(), "MIGRATE_HELPER_FROM="+srcURL, "MIGRATE_HELPER_TO="+dstURL)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	sc := bufio.NewScanner(out)
	seen := 0
	for seen < batches && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "BATCH ") {
			seen++
		}
	}
	if seen < batches {
		t.Fatalf("helper reported %d batches before ending", seen)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	return seen
}

// TestHelperMigrateSlowly is the process TestKilledMidwayRerunCompletes
// kills: a migration in batches of 25 that pauses after each.
func TestHelperMigrateSlowly(t *testing.T) {
	from, to := os.Getenv("MIGRATE_HELPER_FROM"), os.Getenv("MIGRATE_HELPER_TO")
	if from == "" {
		t.Skip("skipped: helper process for TestKilledMidwayRerunCompletes")
	}
	_, err := Run(context.Background(), openURL(t, from), openURL(t, to), Options{Batch: 25,
		OnBatch: func(r Report) {
			fmt.Printf("BATCH %d %d\n", r.Batches, r.Written)
			time.Sleep(50 * time.Millisecond)
		}})
	t.Fatalf("helper was not killed; run ended with %v", err)
}

func TestDigestIsOrderIndependentAndCoversReplicatedFields(t *testing.T) {
	ctx := context.Background()
	a, b := openURL(t, sqliteURL(t, "a.db")), openURL(t, sqliteURL(t, "b.db"))
	var fwd, rev memory.Batch
	for i := range 30 {
		fwd.Memories = append(fwd.Memories, seedMemory(i))
	}
	for i := len(fwd.Memories) - 1; i >= 0; i-- {
		rev.Memories = append(rev.Memories, fwd.Memories[i])
	}
	for _, x := range []struct {
		s memory.Store
		b *memory.Batch
	}{{a, &fwd}, {b, &rev}} {
		if _, err := x.s.Apply(ctx, x.b); err != nil {
			t.Fatal(err)
		}
	}
	base := mustDigest(t, a)
	if mustDigest(t, b) != base {
		t.Fatal("same rows applied in another order digest differently")
	}
	// Node-local read statistics do not count.
	if err := b.Touch(ctx, []string{fwd.Memories[0].ID}, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if mustDigest(t, b) != base {
		t.Fatal("Touch changed the digest")
	}
	// Any replicated field does.
	m := fwd.Memories[1]
	m.Metadata = map[string]any{"changed": true}
	m.Version++
	if _, err := b.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}}); err != nil {
		t.Fatal(err)
	}
	if mustDigest(t, b) == base {
		t.Fatal("a metadata change left the digest unchanged")
	}
	empty := openURL(t, sqliteURL(t, "empty.db"))
	if mustDigest(t, empty) == base {
		t.Fatal("empty store digests like a full one")
	}
}

func TestBadOptionsAreInvalid(t *testing.T) {
	src, dst := openURL(t, sqliteURL(t, "a.db")), openURL(t, sqliteURL(t, "b.db"))
	for _, opts := range []Options{{Batch: -1}, {Batch: 1_000_000}, {Namespace: "bad namespace!"}} {
		rep, err := Run(context.Background(), src, dst, opts)
		if memory.ErrorCode(err) != memory.CodeInvalid || len(rep.Errors) != 1 {
			t.Fatalf("%+v: got %v, report %+v", opts, err, rep)
		}
	}
}

func TestRedactHidesPasswords(t *testing.T) {
	rep, err := Run(context.Background(), openURL(t, sqliteURL(t, "a.db")), openURL(t, sqliteURL(t, "b.db")),
		Options{FromURL: "postgres://u:secret@127.0.0.1:5433/db", ToURL: "/tmp/x.db"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rep.FromURL, "secret") || rep.ToURL != "/tmp/x.db" {
		t.Fatalf("report URLs %q %q", rep.FromURL, rep.ToURL)
	}
}

// TestSearchMatchesTheSameAfterMigration: the copy answers full-text
// queries with the same memories as the original (order may differ: the
// backends rank with different formulas).
func TestSearchMatchesTheSameAfterMigration(t *testing.T) {
	src, pg := openURL(t, sqliteURL(t, "src.db")), openURL(t, pgtest.New(t))
	seed(t, src, 300)
	extra := []string{"see example.com/path, v2.0", "state-of-the-art zebra_crossing", "CAFÉ Crème brûlée", "ze\u200bbra"}
	var b memory.Batch
	for i, content := range extra {
		m := seedMemory(1000 + i)
		m.Content = content
		b.Memories = append(b.Memories, m)
	}
	if _, err := src.Apply(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	run(t, src, pg, Options{})
	matched := 0
	for _, text := range []string{"zebra", "naive cafe", "NAÏVE", "日本語", "herds river", "memory 00042",
		"example", "v2", "crossing", "creme", "word content", "quotes double", "标签1", "🎉", "t3 shared"} {
		for _, all := range []bool{true, false} {
			q := memory.SearchQuery{Terms: memory.Terms(text), MatchAll: all,
				ListQuery: memory.ListQuery{Limit: 1000}}
			var sets [2][]string
			for i, s := range []memory.Store{src, pg} {
				hits, err := s.Search(context.Background(), q)
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				for _, h := range hits {
					sets[i] = append(sets[i], h.Memory.ID)
				}
				sort.Strings(sets[i])
			}
			if strings.Join(sets[0], ",") != strings.Join(sets[1], ",") {
				t.Errorf("search %q (all=%v): SQLite %d hits, PostgreSQL %d hits", text, all, len(sets[0]), len(sets[1]))
			}
			if len(sets[0]) > 0 {
				matched++
			}
		}
	}
	if matched < 20 {
		t.Fatalf("only %d of 30 queries matched anything; the comparison says little", matched)
	}
}

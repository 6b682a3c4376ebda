package migrate

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/jackc/pgx/v5"
)

// indexDefs lists the index definitions of the PostgreSQL schema at url.
func indexDefs(t testing.TB, url string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("no indexes: wrong schema?")
	}
	return defs
}

// TestIntoEmptyPostgresKeepsTheSchema: the copy into an empty PostgreSQL
// goes through the bulk load, which drops and rebuilds the secondary
// indexes; afterwards the schema is what Open made, and the indexes work
// (a search and a list by namespace find the rows).
func TestIntoEmptyPostgresKeepsTheSchema(t *testing.T) {
	srcURL, dstURL := sqliteURL(t, "src.db"), pgtest.New(t)
	src, dst := openURL(t, srcURL), openURL(t, dstURL)
	before := indexDefs(t, dstURL)
	seed(t, src, 300)
	rep := run(t, src, dst, Options{Batch: 100})
	if rep.Written != 300 {
		t.Fatalf("report %+v", rep)
	}
	if got := indexDefs(t, dstURL); !slices.Equal(got, before) {
		t.Fatalf("indexes after the load:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	ctx := context.Background()
	mems, _, err := dst.ListMemories(ctx, memory.ListQuery{Namespace: "proj-2/sub", Limit: 1000})
	if err != nil || len(mems) == 0 {
		t.Fatalf("list by namespace: %d, %v", len(mems), err)
	}
	hits, err := dst.Search(ctx, memory.SearchQuery{Terms: memory.Terms("zebra"), ListQuery: memory.ListQuery{Limit: 1000}})
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %d hits, %v", len(hits), err)
	}
}

// failingSource ends with an error after a number of pages, as a source
// whose server goes away in the middle of a run.
type failingSource struct {
	Source
	pages int
}

var errSourceGone = errors.New("source went away")

func (f *failingSource) Changes(ctx context.Context, after int64, limit int) (memory.ChangeSet, error) {
	if f.pages == 0 {
		return memory.ChangeSet{}, errSourceGone
	}
	f.pages--
	return f.Source.Changes(ctx, after, limit)
}

// TestInterruptedLoadLeavesTheDestinationEmpty: a copy into an empty
// PostgreSQL that fails midway keeps nothing (it is one transaction), and
// its report says so rather than count rows that are not there; the
// dropped indexes are back. A re-run then copies everything.
func TestInterruptedLoadLeavesTheDestinationEmpty(t *testing.T) {
	srcURL, dstURL := sqliteURL(t, "src.db"), pgtest.New(t)
	src, dst := openURL(t, srcURL), openURL(t, dstURL)
	before := indexDefs(t, dstURL)
	f := seed(t, src, 500)
	rep, err := Run(context.Background(), &failingSource{Source: src, pages: 3}, dst, Options{Batch: 100})
	if !errors.Is(err, errSourceGone) {
		t.Fatalf("Run: %v", err)
	}
	if rep.Batches != 3 || rep.Written != 0 || rep.Links != 0 || rep.Records != 0 || len(rep.Errors) != 1 ||
		!strings.Contains(rep.Errors[0], "nothing was written") {
		t.Fatalf("report %+v", rep)
	}
	if got := countAll(t, dst); got != (counts{}) {
		t.Fatalf("the failed load left %+v", got)
	}
	if got := indexDefs(t, dstURL); !slices.Equal(got, before) {
		t.Fatalf("indexes after the failed load:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	rep = run(t, src, dst, Options{Batch: 100})
	if rep.Written != f.memories || rep.Links != f.links || rep.Records != f.records {
		t.Fatalf("re-run report %+v, seeded %+v", rep, f)
	}
}

// TestIntoNonEmptyPostgres: a destination holding rows takes the per-batch
// upserts, where last-writer-wins decides: its newer copy of a memory
// stays, its older copy is replaced, its own memory is kept, nothing is
// doubled.
func TestIntoNonEmptyPostgres(t *testing.T) {
	ctx := context.Background()
	src, dst := openURL(t, sqliteURL(t, "src.db")), openURL(t, pgtest.New(t))
	f := seed(t, src, 200)
	cs, err := src.Changes(ctx, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	newer, older, own := cs.Memories[10], cs.Memories[20], seedMemory(5000)
	original := older.Title
	newer.Version, newer.Title = newer.Version+1, "newer in the destination"
	older.Version, older.Title = older.Version-1, "older in the destination"
	if res, err := dst.Apply(ctx, &memory.Batch{Memories: []memory.Memory{newer, older, own}}); err != nil || res.Memories != 3 {
		t.Fatal(res, err)
	}
	rep, err := Run(ctx, src, dst, Options{Batch: 50, SourceRowsOnly: true})
	if err != nil || len(rep.Errors) != 0 {
		t.Fatalf("Run: %v, report %+v", err, rep)
	}
	if rep.Read != 200 || rep.Written != 199 || rep.Links != f.links || rep.Records != f.records {
		t.Fatalf("report %+v, want 199 of 200 memories written (one is newer there)", rep)
	}
	// The destination's newer copy is not what the source holds: the
	// report shows it, in the memories' kind alone.
	for k, kd := range rep.Kinds {
		if kd.Match() == (k == KindOf(&newer)) {
			t.Fatalf("kind %s: %+v", k, kd)
		}
	}
	for id, title := range map[string]string{newer.ID: newer.Title, older.ID: original, own.ID: own.Title} {
		m, err := dst.GetMemory(ctx, id)
		if err != nil || m.Title != title {
			t.Fatalf("memory %s: %+v, %v; want title %q", id, m, err, title)
		}
	}
	if got := countAll(t, dst); got.memories != 201 || got.links != f.links || got.records != f.records {
		t.Fatalf("destination holds %+v, want the 200 copied and its own", got)
	}
}

// pagesSource lists fixed pages, as a source whose rows were made in Go.
type pagesSource struct{ pages []memory.Batch }

func (p *pagesSource) Changes(ctx context.Context, after int64, limit int) (memory.ChangeSet, error) {
	if int(after) >= len(p.pages) {
		return memory.ChangeSet{NextSeq: after}, nil
	}
	return memory.ChangeSet{Batch: p.pages[after], NextSeq: after + 1, More: int(after)+1 < len(p.pages)}, nil
}

func (p *pagesSource) GetMemory(ctx context.Context, id string) (*memory.Memory, error) {
	return nil, memory.ErrNotFound
}

// TestUndigestibleRowStopsTheRun: a row the digest cannot take (JSON has
// no NaN) stops the run before its page is written, whichever path the
// copy takes.
func TestUndigestibleRowStopsTheRun(t *testing.T) {
	var src pagesSource
	for p := range 4 {
		var b memory.Batch
		for i := range 10 {
			b.Memories = append(b.Memories, seedMemory(p*10+i))
		}
		src.pages = append(src.pages, b)
	}
	src.pages[2].Memories[3].Confidence = math.NaN()
	for name, url := range map[string]string{"sqlite": sqliteURL(t, "dst.db"), "empty postgres": pgtest.New(t)} {
		t.Run(name, func(t *testing.T) {
			dst := openURL(t, url)
			rep, err := Run(context.Background(), &src, dst, Options{})
			if memory.ErrorCode(err) != memory.CodeInvalid || !strings.Contains(err.Error(), "NaN") {
				t.Fatalf("Run: %v", err)
			}
			got := countAll(t, dst)
			if got.memories > 20 || got.memories != rep.Written {
				t.Fatalf("destination holds %+v, report %+v; want at most the two pages before the bad one", got, rep)
			}
		})
	}
}

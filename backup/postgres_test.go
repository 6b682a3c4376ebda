package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/postgres"
)

func openPostgres(t *testing.T, url string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// exportJSON is a store's full export (versions included) in id order.
func exportJSON(t *testing.T, st memory.Store) string {
	t.Helper()
	x, err := engine.New(st, engine.Options{}).Export(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(x.Memories, func(i, j int) bool { return x.Memories[i].ID < x.Memories[j].ID })
	sort.Slice(x.Links, func(i, j int) bool { return linkKey(x.Links[i]) < linkKey(x.Links[j]) })
	sort.Slice(x.Records, func(i, j int) bool { return x.Records[i].Kind+x.Records[i].Key < x.Records[j].Kind+x.Records[j].Key })
	x.ExportedAt = time.Time{}
	b, _ := json.Marshal(x)
	return string(b)
}

func seedEngine(t *testing.T, eng *engine.Engine, n int) {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := 0; i < n; i++ {
		r, err := eng.Store(ctx, engine.NewMemory{Title: fmt.Sprintf("seed %d", i), Content: "seed content", Namespace: "seed", Tags: []string{"s"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Memory.ID)
	}
	if _, _, err := eng.Link(ctx, ids[0], ids[1], memory.DerivedFrom); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Delete(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Forget(ctx, engine.ForgetQuery{Namespace: "seed", Pattern: "seed 3"}); err != nil {
		t.Fatal(err)
	}
}

// TestPostgresDumpUnderWritersAndRestore: pg_dump of a database 4
// goroutines are writing to. Restored over the live database (which kept
// gaining rows), it holds every write acknowledged before the backup
// started, none of the writes begun after it finished, and exactly the
// row counts of the manifest. (pgtest gives each test a schema, not a
// database, so the dump is restored over its own schema.)
func TestPostgresDumpUnderWritersAndRestore(t *testing.T) {
	if _, err := pgTool("pg_dump"); err != nil {
		t.Skipf("pg_dump is not installed: %v", err) // .ci/run installs it
	}
	ctx := context.Background()
	url := pgtest.New(t)
	st := openPostgres(t, url)
	eng := engine.New(st, engine.Options{NodeID: "pg-node"})
	seedEngine(t, eng, 20)

	var mu sync.Mutex
	var acked, after []string
	var backupDone atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				late := backupDone.Load()
				r, err := eng.Store(ctx, engine.NewMemory{Title: fmt.Sprintf("w%d-%d", g, i), Content: "load", Namespace: "load"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, r.Memory.ID)
				if late {
					after = append(after, r.Memory.ID)
				}
				mu.Unlock()
			}
		}()
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	res, err := Postgres(ctx, url, eng, PostgresOptions{Options: Options{Dir: filepath.Join(t.TempDir(), "pgb"), Keep: 2, NodeID: "pg-node"}})
	backupDone.Store(true)
	time.Sleep(50 * time.Millisecond) // let the writers add rows the dump must not have
	stopWriters()
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Method != MethodPgDump || !strings.HasSuffix(res.Snapshot, ".pgdump") || m.SchemaVersion < 1 || m.Backend != "postgres" {
		t.Fatalf("manifest %+v", m)
	}
	t.Logf("pg_dump under 4 writers: %d acknowledged before, %d in total; dump holds %d active memories, %d bytes",
		len(before), len(acked), m.Rows.Memories[memory.StateActive], m.SizeBytes)

	st.Close()
	if _, err := RestorePostgres(ctx, url, nil, RestoreOptions{From: filepath.Dir(res.Snapshot)}); err != nil {
		t.Fatal(err)
	}
	got := openPostgres(t, url)
	for _, id := range before {
		if _, err := got.GetMemory(ctx, id); err != nil {
			t.Fatalf("acknowledged memory %s missing from the restored dump: %v", id, err)
		}
	}
	for _, id := range after {
		if _, err := got.GetMemory(ctx, id); !memory.IsNotFound(err) {
			t.Fatalf("memory %s, written after the backup, survived the restore: %v", id, err)
		}
	}
	for state, want := range m.Rows.Memories {
		if n, _ := got.CountMemories(ctx, memory.ListQuery{States: []memory.State{state}}); n != want {
			t.Errorf("%s memories: %d restored, manifest says %d", state, n, want)
		}
	}
	t.Logf("restore over the live schema: %d writes made after the backup are gone, counts equal the manifest", len(after))
	if len(after) == 0 {
		t.Error("no write happened after the backup; the test proved nothing about --clean")
	}

	// A flipped byte is refused before anything is dropped.
	b, _ := os.ReadFile(res.Snapshot)
	b[len(b)/2] ^= 0xff
	os.WriteFile(res.Snapshot, b, 0o600)
	if _, err := RestorePostgres(ctx, url, nil, RestoreOptions{From: res.Snapshot}); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("restore of a corrupted dump: %v", err)
	}
}

// TestPostgresLogicalExport: without pg_dump the backup is the engine's
// export; it restores into an empty store exactly and refuses a store
// that holds data.
func TestPostgresLogicalExport(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	st := openPostgres(t, url)
	eng := engine.New(st, engine.Options{NodeID: "pg-node"})
	seedEngine(t, eng, 10)
	res, err := Postgres(ctx, url, eng, PostgresOptions{Options: Options{Dir: filepath.Join(t.TempDir(), "lb"), Keep: 1}, Logical: true})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Method != MethodLogicalExport || !strings.HasSuffix(res.Snapshot, ".json") ||
		m.Rows.Memories[memory.StateActive] != 8 || m.Rows.Memories[memory.StateArchived] != 1 || m.Rows.Links != 1 {
		t.Fatalf("manifest %+v", m)
	}
	fresh := pgtest.New(t)
	target := openPostgres(t, fresh)
	rr, err := RestorePostgres(ctx, fresh, target, RestoreOptions{From: res.ManifestPath})
	if err != nil || !rr.Verified {
		t.Fatalf("logical restore: %+v %v", rr, err)
	}
	if exportJSON(t, target) != exportJSON(t, st) {
		t.Fatal("logical restore differs from the source")
	}
	if _, err := RestorePostgres(ctx, url, st, RestoreOptions{From: res.Snapshot}); memory.ErrorCode(err) != memory.CodeConflict {
		t.Fatalf("logical restore into a non-empty store: %v, want conflict", err)
	}
}

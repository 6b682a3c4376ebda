package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/pgtest"
)

// TestBackupWhileServeWrites: 4 HTTP clients write to a running serve; the
// backup command, in another process, snapshots the same database
// meanwhile. Restoring the snapshot gives a database that passes the
// integrity check (restore runs it) and holds every memory acknowledged
// (201) before the backup started. Restore into the served database is
// refused until the server stops. The server is a process: restore looks
// for another process holding the database, and the server is stopped
// with SIGTERM.
func TestBackupWhileServeWrites(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	s := startServeProcess(t, db)

	var mu sync.Mutex
	var acked []string
	var failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"title":"w%d-%d","content":"writer %d note %d","namespace":"load"}`, w, i, w, i)
				resp, err := client.Post(s.url+"/api/v1/memories", "application/json", strings.NewReader(body))
				if err != nil {
					failures.Add(1)
					continue
				}
				var created struct{ ID string }
				json.NewDecoder(resp.Body).Decode(&created)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || created.ID == "" {
					failures.Add(1)
					continue
				}
				mu.Lock()
				acked = append(acked, created.ID)
				mu.Unlock()
			}
		}()
	}
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	deadline := time.Now().Add(30 * time.Second)
	for count() < 500 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	if len(before) < 500 {
		t.Fatalf("only %d writes acknowledged in 30 s", len(before))
	}

	backups := filepath.Join(dir, "backups")
	start := time.Now()
	r := run(t, db, "", "backup", "--to", backups, "--keep", "2", "--json")
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("backup under load: exit %d: %s", r.code, r.stderr)
	}
	during := count() - len(before)
	var b struct {
		Snapshot string
		Manifest struct {
			SizeBytes int64 `json:"size_bytes"`
			Rows      struct{ Memories map[string]int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
		t.Fatalf("backup output: %v: %s", err, r.stdout)
	}
	close(stop)
	wg.Wait()
	t.Logf("backup (another process) of a serve taking 4 concurrent HTTP writers: %d acknowledged before, %d during the %v backup command, %d after; snapshot %d memories, %d bytes; %d failed requests",
		len(before), during, took.Round(time.Millisecond), count(), b.Manifest.Rows.Memories["active"], b.Manifest.SizeBytes, failures.Load())
	if failures.Load() != 0 {
		t.Errorf("%d writes failed during the backup", failures.Load())
	}

	// Restore into a fresh file and check every acknowledged id is there.
	restored := filepath.Join(dir, "restored.db")
	rr := run(t, restored, "", "restore", "--from", backups, "--json")
	if rr.code != 0 {
		t.Fatalf("restore: exit %d: %s", rr.code, rr.stderr)
	}
	x := run(t, restored, "", "export")
	var exp struct{ Memories []struct{ ID string } }
	if x.code != 0 || json.Unmarshal([]byte(x.stdout), &exp) != nil {
		t.Fatalf("export of the restored database: %d %s", x.code, x.stderr)
	}
	have := map[string]bool{}
	for _, m := range exp.Memories {
		have[m.ID] = true
	}
	for _, id := range before {
		if !have[id] {
			t.Fatalf("memory %s, acknowledged before the backup started, is not in the restored database", id)
		}
	}
	if len(have) != b.Manifest.Rows.Memories["active"] {
		t.Fatalf("restored database has %d memories, manifest says %d", len(have), b.Manifest.Rows.Memories["active"])
	}

	// The server still has live.db open: restoring over it is refused.
	busy := run(t, db, "", "restore", "--from", backups, "--json")
	if busy.code == 0 || !strings.Contains(busy.stderr, "another process") {
		t.Fatalf("restore over a served database: exit %d: %s", busy.code, busy.stderr)
	}
	if err := s.kill(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve exit: %v", err)
	}
	if ok := run(t, db, "", "restore", "--from", backups, "--json"); ok.code != 0 {
		t.Fatalf("restore after serve stopped: exit %d: %s", ok.code, ok.stderr)
	}
	s2 := startServe(t, db)
	_, st := httpJSON(t, "GET", s2.url+"/api/v1/stats", nil)
	if int(st["total"].(float64)) != b.Manifest.Rows.Memories["active"] {
		t.Fatalf("served restored database holds %v memories, want %d", st["total"], b.Manifest.Rows.Memories["active"])
	}
}

// TestBackupKeepOneAndCorruptRestore is the release gate's phase-1 call
// (backup --keep 1 leaves exactly one snapshot and one manifest) followed
// by a flipped byte that makes restore refuse with exit code 2.
func TestBackupKeepOneAndCorruptRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	runJSON(t, db, "store", "-T", "phase1", "-c", "functional check")
	bdir := filepath.Join(dir, "b")
	for range 3 {
		if r := run(t, db, "", "backup", "--to", bdir, "--keep", "1"); r.code != 0 {
			t.Fatalf("backup: %d %s", r.code, r.stderr)
		}
	}
	snaps, _ := filepath.Glob(filepath.Join(bdir, "ai-memory-*.db"))
	mans, _ := filepath.Glob(filepath.Join(bdir, "*.manifest.json"))
	if len(snaps) != 1 || len(mans) != 1 {
		t.Fatalf("after --keep 1: %v %v", snaps, mans)
	}
	data, _ := os.ReadFile(snaps[0])
	data[len(data)/3] ^= 0x20
	os.WriteFile(snaps[0], data, 0o600)
	target := filepath.Join(dir, "target.db")
	r := run(t, target, "", "restore", "--from", snaps[0], "--json")
	if r.code != 2 || !strings.Contains(r.stderr, "invalid_argument") || !strings.Contains(r.stderr, "sha256") {
		t.Fatalf("restore of a corrupted snapshot: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatal("refused restore created the target")
	}
	if r := run(t, filepath.Join(dir, "missing.db"), "", "backup", "--to", bdir); r.code == 0 {
		t.Fatal("backup of a database that does not exist succeeded")
	}
}

// TestCuratorCommand: the gate's dry run reports the contract fields with no
// errors; a real run merges the duplicates and --rollback-last restores
// every user-visible field.
func TestCuratorCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	runJSON(t, db, "store", "-T", "Deploy notes for vomira", "-c", "Run the migration. Tag the build. Publish notes.", "-n", "ops")
	runJSON(t, db, "store", "-T", "deploy notes for VOMIRA", "-c", "Run the migration! Tag the build. Publish notes.", "-n", "ops")
	runJSON(t, db, "store", "-T", "Unrelated", "-c", "Something else entirely.", "-n", "ops", "--tags", "misc")
	before := visibleState(t, db)

	dry := runJSON(t, db, "curator", "--once", "--dry-run", "--max-ops", "10")
	for _, f := range []string{"started_at", "completed_at", "cycle_duration_ms", "memories_scanned", "memories_eligible", "auto_tagged",
		"contradictions_found", "operations_attempted", "operations_skipped_cap", "autonomy", "errors", "dry_run"} {
		if _, ok := dry[f]; !ok {
			t.Errorf("curator report lacks %s", f)
		}
	}
	if errs := dry["errors"].([]any); len(errs) != 0 || dry["dry_run"] != true {
		t.Fatalf("dry run: %v", dry)
	}
	if visibleState(t, db) != before {
		t.Fatal("dry run changed the store")
	}
	real := runJSON(t, db, "curator", "--once")
	if real["autonomy"].(map[string]any)["memories_consolidated"] != 2.0 {
		t.Fatalf("real run: %v", real)
	}
	if visibleState(t, db) == before {
		t.Fatal("real run changed nothing")
	}
	rb := runJSON(t, db, "curator", "--rollback-last", "10")
	if n := len(rb["rolled_back"].([]any)); n != int(real["operations_attempted"].(float64)) {
		t.Fatalf("rolled back %d of %v operations", n, real["operations_attempted"])
	}
	if visibleState(t, db) != before {
		t.Fatal("state after rollback differs from before the run")
	}
	for _, bad := range [][]string{{"--once", "--daemon"}, {}, {"--rollback-last", "1", "--dry-run"}, {"--once", "--max-ops", "-1"}} {
		if r := run(t, db, "", append([]string{"curator"}, bad...)...); r.code != 2 {
			t.Errorf("curator %v: exit %d, want 2: %s", bad, r.code, r.stderr)
		}
	}
}

// visibleState is the export without versions, usage counters and
// records, in id order: what a user sees. (Export is in change order,
// which a rollback changes.)
func visibleState(t *testing.T, db string) string {
	t.Helper()
	r := run(t, db, "", "export")
	var x struct {
		Memories []map[string]any
		Links    []map[string]any
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &x) != nil {
		t.Fatalf("export: %d %s", r.code, r.stderr)
	}
	for _, m := range x.Memories {
		for _, k := range []string{"version", "origin", "access_count", "last_accessed_at"} {
			delete(m, k)
		}
	}
	for _, l := range x.Links {
		delete(l, "version")
		delete(l, "origin")
	}
	sort.Slice(x.Memories, func(i, j int) bool { return x.Memories[i]["id"].(string) < x.Memories[j]["id"].(string) })
	key := func(l map[string]any) string { return fmt.Sprint(l["source_id"], l["target_id"], l["relation"]) }
	sort.Slice(x.Links, func(i, j int) bool { return key(x.Links[i]) < key(x.Links[j]) })
	b, _ := json.Marshal(x)
	return string(b)
}

// TestBackupPostgresCommand: backup --db postgres://… writes a pg_dump
// snapshot (or, with --logical, the JSON export) whose manifest counts the
// rows, and restore puts the dump back.
func TestBackupPostgresCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	for i := range 5 {
		runJSON(t, src, "store", "-T", fmt.Sprintf("pg note %d", i), "-c", "to postgres")
	}
	pgURL := pgtest.New(t)
	if r := run(t, src, "", "migrate", "--from", src, "--to", pgURL, "--json"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	bdir := filepath.Join(dir, "pg")
	b := runJSON(t, pgURL, "backup", "--to", bdir, "--keep", "3")
	m := b["manifest"].(map[string]any)
	active := m["rows"].(map[string]any)["memories"].(map[string]any)["active"]
	if m["method"] != "pg_dump" || active != 5.0 || m["backend"] != "postgres" {
		t.Fatalf("pg backup manifest: %v", m)
	}
	if r := runJSON(t, pgURL, "restore", "--from", bdir); r["verified"] != true {
		t.Fatalf("pg restore: %v", r)
	}
	l := runJSON(t, pgURL, "backup", "--to", bdir, "--keep", "3", "--logical")
	if lm := l["manifest"].(map[string]any); lm["method"] != "logical_export" {
		t.Fatalf("logical backup manifest: %v", lm)
	}
	r := run(t, pgURL, "", "restore", "--from", l["snapshot"].(string), "--json")
	if r.code == 0 || !strings.Contains(r.stderr, "empty database") {
		t.Fatalf("logical restore into a non-empty database: exit %d %s", r.code, r.stderr)
	}
}

package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestBackupWhileAnotherProcessWrites: a writer process stores memories
// from 4 goroutines into one SQLite file while this process, like the
// backup CLI, opens the same file and snapshots it. The restored snapshot
// must pass integrity_check and hold every memory acknowledged before the
// backup started.
func TestBackupWhileAnotherProcessWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	openStore(t, db).Close() // create the schema before two processes race to
	w := startChild(t, "writer", db)

	var mu sync.Mutex
	var acked []string
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for w.lines.Scan() {
			if id, ok := strings.CutPrefix(w.lines.Text(), "ack "); ok {
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}
	}()
	ackCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitAcks := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for ackCount() < n {
			if time.Now().After(deadline) {
				t.Fatalf("writer acknowledged only %d of %d writes in 30 s", ackCount(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitAcks(300)

	st := openStore(t, db)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	start := time.Now()
	res, err := SQLite(ctx, st, Options{Dir: filepath.Join(dir, "backups"), Keep: 2, NodeID: "node-a"})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	during := ackCount() - len(before)
	waitAcks(ackCount() + 50) // the writers are still going after the backup
	if err := w.stop(); err != nil {
		t.Fatalf("writer: %v", err)
	}
	<-readDone
	st.Close()

	m := res.Manifest
	t.Logf("backup of a store under 4 writers: %d acknowledged before, %d during the %v backup, %d in total; snapshot holds %d memories, %d bytes",
		len(before), during, took.Round(time.Millisecond), len(acked), m.Rows.Memories[memory.StateActive], m.SizeBytes)
	if m.Rows.Memories[memory.StateActive] < len(before) || m.SchemaVersion < 1 || m.NodeID != "node-a" || m.Method != MethodVacuumInto {
		t.Fatalf("manifest %+v", m)
	}

	target := filepath.Join(dir, "restored", "ai-memory.db")
	rr, err := Restore(ctx, RestoreOptions{From: res.Snapshot, DB: target})
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Verified || rr.SHA256 != m.SHA256 || rr.Previous != "" {
		t.Fatalf("restore result %+v", rr)
	}
	if err := checkIntegrity(ctx, target, false); err != nil {
		t.Fatal(err)
	}
	restored := openStore(t, target)
	for _, id := range before {
		if _, err := restored.GetMemory(ctx, id); err != nil {
			t.Fatalf("memory %s acknowledged before the backup is missing from the restore: %v", id, err)
		}
	}
	n, err := restored.CountMemories(ctx, memory.ListQuery{Namespace: "load"})
	if err != nil || n != m.Rows.Memories[memory.StateActive] {
		t.Fatalf("restored store has %d memories, manifest says %d (%v)", n, m.Rows.Memories[memory.StateActive], err)
	}
}

// seeded returns a store with a few rows of every kind and a backup of it.
func seeded(t *testing.T) (dir string, res *Result) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	st := openStore(t, filepath.Join(dir, "src.db"))
	eng := engine.New(st, engine.Options{NodeID: "n1"})
	var ids []string
	for _, title := range []string{"one", "two", "three", "four"} {
		r, err := eng.Store(ctx, engine.NewMemory{Title: title, Content: "content of " + title, Namespace: "ns"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Memory.ID)
	}
	if _, _, err := eng.Link(ctx, ids[0], ids[1], memory.RelatedTo); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Forget(ctx, engine.ForgetQuery{Pattern: "four", Namespace: "ns"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Delete(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	res, err := SQLite(ctx, st, Options{Dir: filepath.Join(dir, "b"), Keep: 3, NodeID: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

func TestManifestDescribesSnapshot(t *testing.T) {
	_, res := seeded(t)
	m, err := readManifest(res.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[memory.State]int{memory.StateActive: 2, memory.StateArchived: 1, memory.StateDeleted: 1}
	for s, n := range want {
		if m.Rows.Memories[s] != n {
			t.Errorf("%s memories: %d, want %d", s, m.Rows.Memories[s], n)
		}
	}
	if m.Rows.Links != 1 || m.File != filepath.Base(res.Snapshot) || m.Backend != "sqlite" {
		t.Errorf("manifest %+v", m)
	}
	sum, size, _ := fileDigest(res.Snapshot)
	if sum != m.SHA256 || size != m.SizeBytes {
		t.Errorf("manifest sha %s size %d, file %s %d", m.SHA256, m.SizeBytes, sum, size)
	}
	st, _ := stampOf(filepath.Base(res.Snapshot))
	if filepath.Base(res.ManifestPath) != st+".manifest.json" || !strings.HasPrefix(filepath.Base(res.Snapshot), "ai-memory-") {
		t.Errorf("names %s %s", res.Snapshot, res.ManifestPath)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(res.Snapshot), "*")); len(left) != 2 {
		t.Errorf("backup dir holds %v, want the snapshot and its manifest only", left)
	}
}

// TestRestoreRefusesDamagedSnapshots: a flipped byte, a truncated file, a
// missing manifest and damage the manifest cannot see (it was rewritten to
// match) are all refused, and the target database is left as it was.
func TestRestoreRefusesDamagedSnapshots(t *testing.T) {
	ctx := context.Background()
	dir, res := seeded(t)
	target := filepath.Join(dir, "target.db")
	if err := os.WriteFile(target, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(res.Snapshot)
	damage := func(name string, mutate func(b []byte) []byte, fixManifest bool, want string) {
		t.Run(name, func(t *testing.T) {
			b := mutate(append([]byte(nil), orig...))
			if err := os.WriteFile(res.Snapshot, b, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.WriteFile(res.Snapshot, orig, 0o600) })
			if fixManifest {
				m := res.Manifest
				m.SHA256, m.SizeBytes, _ = fileDigest(res.Snapshot)
				_, err := finish(res.Snapshot, m, Options{Dir: filepath.Dir(res.Snapshot), Keep: 3})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { finish(res.Snapshot, res.Manifest, Options{Dir: filepath.Dir(res.Snapshot), Keep: 3}) })
			}
			_, err := Restore(ctx, RestoreOptions{From: res.Snapshot, DB: target})
			if memory.ErrorCode(err) != memory.CodeInvalid || !strings.Contains(err.Error(), want) {
				t.Fatalf("restore of a damaged snapshot: %v, want an invalid_argument error about %q", err, want)
			}
			if got, _ := os.ReadFile(target); string(got) != "precious" {
				t.Fatal("refused restore touched the target")
			}
			t.Logf("refused: %v", err)
		})
	}
	damage("flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0x01; return b }, false, "corrupted")
	damage("truncated", func(b []byte) []byte { return b[:len(b)/2] }, false, "truncated")
	// Page 2's b-tree header: its page type byte is no longer valid.
	page := int(orig[16])<<8 | int(orig[17])
	damage("broken page with matching manifest", func(b []byte) []byte { b[page] = 0x42; return b }, true, "integrity check")

	t.Run("missing manifest", func(t *testing.T) {
		copyPath := filepath.Join(dir, "renamed.db")
		if err := os.WriteFile(copyPath, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Restore(ctx, RestoreOptions{From: copyPath, DB: target})
		if memory.ErrorCode(err) != memory.CodeInvalid || !strings.Contains(err.Error(), "--skip-verify") {
			t.Fatalf("restore without manifest: %v", err)
		}
		rr, err := Restore(ctx, RestoreOptions{From: copyPath, DB: target, SkipVerify: true})
		if err != nil || rr.Verified || rr.Previous == "" {
			t.Fatalf("skip-verify restore: %+v %v", rr, err)
		}
		if kept, _ := os.ReadFile(rr.Previous); string(kept) != "precious" {
			t.Fatalf("previous database not kept at %s", rr.Previous)
		}
	})
	t.Run("not sqlite with skip-verify", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		os.WriteFile(junk, []byte("definitely not a database, just text"), 0o600)
		if _, err := Restore(ctx, RestoreOptions{From: junk, DB: target, SkipVerify: true}); memory.ErrorCode(err) != memory.CodeInvalid {
			t.Fatalf("junk restored: %v", err)
		}
	})
}

// TestRestoreReplacesDatabaseAndKeepsPrevious restores from a directory
// (newest snapshot) over a database that has a leftover WAL.
func TestRestoreReplacesDatabaseAndKeepsPrevious(t *testing.T) {
	ctx := context.Background()
	dir, res := seeded(t)
	target := filepath.Join(dir, "target.db")
	st := openStore(t, target)
	eng := engine.New(st, engine.Options{NodeID: "other"})
	if _, err := eng.Store(ctx, engine.NewMemory{Title: "only in target", Content: "x"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	os.WriteFile(target+"-wal", []byte("stale wal"), 0o600)
	os.WriteFile(target+"-shm", []byte("stale shm"), 0o600)

	rr, err := Restore(ctx, RestoreOptions{From: filepath.Dir(res.Snapshot), DB: target})
	if err != nil {
		t.Fatal(err)
	}
	if rr.Snapshot != res.Snapshot || !rr.Verified || rr.Rows.Memories[memory.StateActive] != 2 {
		t.Fatalf("restore %+v", rr)
	}
	if _, err := os.Stat(target + "-shm"); !os.IsNotExist(err) {
		t.Fatal("stale -shm left beside the restored database")
	}
	if b, _ := os.ReadFile(rr.Previous + "-wal"); string(b) != "stale wal" {
		t.Fatal("the old WAL was not kept with the previous database")
	}
	got := openStore(t, target)
	if n, _ := got.CountMemories(ctx, memory.ListQuery{}); n != 2 {
		t.Fatalf("restored database has %d active memories, want 2", n)
	}
	prev := openStore(t, rr.Previous)
	if _, err := prev.FindByTitle(ctx, memory.DefaultNamespace, "only in target"); err != nil {
		t.Fatalf("previous database lost its rows: %v", err)
	}
}

// TestRestoreRefusesWhileDatabaseOpen: another process has the target
// open, so restore must refuse and name it; once it exits restore works.
func TestRestoreRefusesWhileDatabaseOpen(t *testing.T) {
	ctx := context.Background()
	dir, res := seeded(t)
	target := filepath.Join(dir, "served.db")
	h := startChild(t, "holder", target)
	if !h.lines.Scan() || h.lines.Text() != "ready" {
		t.Fatalf("holder did not start: %q", h.lines.Text())
	}
	_, err := Restore(ctx, RestoreOptions{From: res.Snapshot, DB: target})
	if memory.ErrorCode(err) != memory.CodeConflict || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("restore under an open database: %v, want conflict", err)
	}
	t.Logf("refused: %v", err)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, RestoreOptions{From: res.Snapshot, DB: target}); err != nil {
		t.Fatalf("restore after the holder exited: %v", err)
	}
}

func TestRotationKeepsNewest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openStore(t, filepath.Join(dir, "src.db"))
	bdir := filepath.Join(dir, "b")
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var all []*Result
	for i := 0; i < 5; i++ {
		at := base.Add(time.Duration(i) * time.Hour)
		res, err := SQLite(ctx, st, Options{Dir: bdir, Keep: 3, Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res)
	}
	if len(all[4].Removed) != 2 || len(all[2].Removed) != 0 {
		t.Fatalf("removed: %v / %v", all[4].Removed, all[2].Removed)
	}
	ents, _ := os.ReadDir(bdir)
	if len(ents) != 6 {
		t.Fatalf("%d files after rotation, want 3 snapshots + 3 manifests", len(ents))
	}
	for i, r := range all {
		_, err := os.Stat(r.Snapshot)
		_, merr := os.Stat(r.ManifestPath)
		if kept := i >= 2; kept != (err == nil) || kept != (merr == nil) {
			t.Errorf("backup %d: snapshot %v manifest %v, kept=%v", i, err, merr, kept)
		}
	}
	// Two backups in the same millisecond get distinct names.
	r1, err1 := SQLite(ctx, st, Options{Dir: bdir, Keep: 10, Now: func() time.Time { return base.Add(9 * time.Hour) }})
	r2, err2 := SQLite(ctx, st, Options{Dir: bdir, Keep: 10, Now: func() time.Time { return base.Add(9 * time.Hour) }})
	if err1 != nil || err2 != nil || r1.Snapshot == r2.Snapshot {
		t.Fatalf("same-instant backups: %v %v %v", err1, err2, r1.Snapshot)
	}
	if _, err := SQLite(ctx, st, Options{Dir: bdir, Keep: 0}); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("keep 0: %v", err)
	}
}

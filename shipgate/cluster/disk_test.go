package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

// needFUSE skips a test that mounts unless it can: mounting needs root
// and /dev/fuse.
func needFUSE(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("lazyfs disks need root to mount")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("lazyfs disks need /dev/fuse: %v", err)
	}
}

var (
	shipGateOnce sync.Once
	shipGate     string // built on first use, beside ai-memory, removed by TestMain
	shipGateErr  error
)

// shipGateBinary builds the ship-gate binary that serves `lazyfs`.
func shipGateBinary(t *testing.T) string {
	t.Helper()
	shipGateOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		out := filepath.Join(filepath.Dir(aiMemory), "ship-gate")
		b := exec.Command("go", "build", "-o", out, "./cmd/ship-gate")
		b.Dir = filepath.Join(filepath.Dir(file), "..", "..")
		if msg, err := b.CombinedOutput(); err != nil {
			shipGateErr = fmt.Errorf("build ship-gate: %v\n%s", err, msg)
			return
		}
		shipGate = out
	})
	if shipGateErr != nil {
		t.Fatal(shipGateErr)
	}
	return shipGate
}

// noMount fails the test if a lazyfs is still mounted at path or the
// state file still records one.
func noMount(t *testing.T, s *Supervisor, path string) {
	t.Helper()
	if ok, err := lazyfs.Mounted(path); ok || err != nil {
		t.Errorf("mount left at %s (%v)", path, err)
	}
	if st, err := ReadState(s.StatePath()); err == nil && len(st.Mounts) != 0 {
		t.Errorf("state still records mounts: %+v", st.Mounts)
	}
}

func TestDiskPowerCutKeepsAcknowledgedMemories(t *testing.T) {
	needFUSE(t)
	s := newSup(t)
	ctx := context.Background()
	opts := nodeOpts()
	opts.Disk, opts.DiskBinary = true, shipGateBinary(t)
	cl, err := New(ctx, s, Local{}, Spec{Names: []string{"a"}, Dir: t.TempDir(), Node: opts, HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n := cl.Nodes[0]
	mount := n.Disk.Mount
	defer noMount(t, s, mount)
	defer cl.Kill()
	if st, _ := ReadState(s.StatePath()); len(st.Mounts) != 1 || st.Mounts[0].Path != mount || st.Mounts[0].Conn == 0 {
		t.Fatalf("state does not record the mount: %+v", st.Mounts)
	}
	if filepath.Dir(n.DB) != mount {
		t.Fatalf("database %s is not on the mount %s", n.DB, mount)
	}
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 20 {
		w := n.Client.Create(ctx, "ai:test", api.Memory{Title: fmt.Sprintf("t%d", i), Content: "c", Tier: "mid", Namespace: "ns", Priority: 5, Confidence: 1, Source: "api"})
		if w.Outcome != api.OK {
			t.Fatalf("write: %+v", w)
		}
		ids = append(ids, w.ID)
	}
	n.Kill()
	cs, err := n.Disk.Cut(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := n.Disk.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cut %+v; disk %+v", cs, st)
	// Something was pending (at least SQLite's -shm, never synced), so the
	// cut really ran against this node's files.
	if cs.Files == 0 || st.Fsyncs == 0 {
		t.Fatalf("cut %+v with %d fsyncs: the node's writes did not go through the disk", cs, st.Fsyncs)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if ok, err := n.Client.Exists(ctx, id); !ok || err != nil {
			t.Fatalf("acknowledged memory %s lost by the power cut: %v %v", id, ok, err)
		}
	}
	n.Kill()
	if err := cl.Kill(); err != nil {
		t.Fatal(err)
	}
}

func TestDiskCleanupForcesOffADeadServersMount(t *testing.T) {
	needFUSE(t)
	s := newSup(t)
	dir := t.TempDir()
	mount := filepath.Join(dir, "data")
	d, err := StartDisk(context.Background(), s, shipGateBinary(t), filepath.Join(dir, "disk"), mount, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer noMount(t, s, mount)
	defer d.Close()
	if err := d.SetFault(context.Background(), lazyfs.ENOSPC); err != nil {
		t.Fatal(err)
	}
	if err := d.SetFault(context.Background(), "bogus"); err == nil {
		t.Fatal("an unknown fault mode was accepted")
	}
	// The server dies as under the harness's SIGKILL: its mount stays,
	// dead, until cleanup forces it off.
	d.srv.(*localDisk).proc.Kill()
	if ok, _ := lazyfs.Mounted(mount); !ok {
		t.Fatal("no mount left behind by the killed server: the test proves nothing")
	}
	if err := CleanupPath(s.StatePath(), true); err != nil {
		t.Fatal(err)
	}
	if ok, err := lazyfs.Mounted(mount); ok || err != nil {
		t.Fatalf("cleanup left the mount (%v)", err)
	}
}

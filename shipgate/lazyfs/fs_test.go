package lazyfs

import (
	"bytes"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aimemory/ai-memory/shipgate/proc"
)

func openFile(t *testing.T, path string, flag int) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, flag|os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes %q..., want %d bytes %q...", path, len(got), head(got), len(want), head(want))
	}
	st, err := os.Stat(path)
	must(t, err)
	if st.Size() != int64(len(want)) {
		t.Fatalf("%s: stat size %d, want %d", path, st.Size(), len(want))
	}
}

func TestCutDropsWhatWasNotSynced(t *testing.T) {
	m := mountT(t)
	// a: part synced, then overwritten in the middle and appended to.
	a := openFile(t, m.path("a"), 0)
	synced := fill(10000, 's')
	_, err := a.Write(synced)
	must(t, err)
	must(t, a.Sync())
	_, err = a.WriteAt(fill(100, 'o'), 5000)
	must(t, err)
	_, err = a.WriteAt(fill(5000, 'p'), 10000)
	must(t, err)
	// b: synced with fdatasync, then truncated without a sync.
	b := openFile(t, m.path("b"), 0)
	_, err = b.Write([]byte("kept by fdatasync"))
	must(t, err)
	must(t, unix.Fdatasync(int(b.Fd())))
	must(t, b.Truncate(4))
	// c: never synced at all; it was created, which is durable at once.
	must(t, os.WriteFile(m.path("c"), []byte("gone"), 0o644))
	// d: O_DSYNC writes are durable one by one.
	d := openFile(t, m.path("d"), os.O_SYNC)
	_, err = d.Write([]byte("dsync"))
	must(t, err)
	// e: written through a shared mapping, synced with msync(MS_SYNC).
	e := openFile(t, m.path("e"), 0)
	must(t, e.Truncate(pageSize))
	must(t, e.Sync())
	mem, err := unix.Mmap(int(e.Fd()), 0, pageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	must(t, err)
	copy(mem, "msynced")
	must(t, unix.Msync(mem, unix.MS_SYNC))
	copy(mem[100:], "not msynced")
	must(t, unix.Munmap(mem))
	for _, f := range []*os.File{a, b, d, e} {
		must(t, f.Close()) // closing makes nothing durable
	}

	cs := m.do(t, "cut").Cut
	if cs.Files != 4 || cs.Bytes < 5000 {
		t.Fatalf("cut %+v: want a, b, c and e touched, at least the 5000 appended bytes dropped", *cs)
	}
	wantFile(t, m.path("a"), synced)
	wantFile(t, m.path("b"), []byte("kept by fdatasync"))
	wantFile(t, m.path("c"), nil)
	wantFile(t, m.path("d"), []byte("dsync"))
	wantE := make([]byte, pageSize)
	copy(wantE, "msynced")
	wantFile(t, m.path("e"), wantE)
	// Nothing is pending any more: a second cut drops nothing.
	if cs := m.do(t, "cut").Cut; cs.Files != 0 {
		t.Fatalf("second cut touched %+v", *cs)
	}
}

func TestFaultENOSPC(t *testing.T) {
	m := mountT(t)
	f := openFile(t, m.path("f"), 0)
	_, err := f.Write([]byte("before"))
	must(t, err)
	m.do(t, "fault enospc")
	if _, err := f.Write([]byte("full")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write on a full disk: %v, want ENOSPC", err)
	}
	if err := unix.Fallocate(int(f.Fd()), 0, 0, 1<<20); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("fallocate on a full disk: %v, want ENOSPC", err)
	}
	must(t, f.Sync()) // what was written before the disk filled is kept
	m.do(t, "fault none")
	_, err = f.Write([]byte(" after"))
	must(t, err)
	st := m.do(t, "stats").Stats
	if st.Faults != 2 || st.Mode != None {
		t.Fatalf("stats %+v: want 2 faults, mode none", *st)
	}
	m.do(t, "cut")
	wantFile(t, m.path("f"), []byte("before"))
}

func TestFaultEIOWrite(t *testing.T) {
	m := mountT(t)
	f := openFile(t, m.path("f"), 0)
	m.do(t, "fault eio-write")
	if _, err := f.Write([]byte("x")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("write: %v, want EIO", err)
	}
	m.do(t, "fault none")
	_, err := f.Write([]byte("y"))
	must(t, err)
}

func TestFaultEIOFsyncLosesTheData(t *testing.T) {
	m := mountT(t)
	f := openFile(t, m.path("f"), 0)
	_, err := f.Write([]byte("durable"))
	must(t, err)
	must(t, f.Sync())
	_, err = f.Write([]byte(" failed"))
	must(t, err)
	m.do(t, "fault eio-fsync")
	if err := f.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("fsync: %v, want EIO", err)
	}
	if err := unix.Fdatasync(int(f.Fd())); !errors.Is(err, syscall.EIO) {
		t.Fatalf("fdatasync: %v, want EIO", err)
	}
	m.do(t, "fault none")
	must(t, f.Sync()) // a retry succeeds, as on Linux, without the lost page
	must(t, f.Close())
	m.do(t, "cut")
	// The size the retry synced stays; the page the failure covered is
	// as it was durable, zeros past the old end.
	wantFile(t, m.path("f"), append([]byte("durable"), make([]byte, 7)...))
}

// A server that hangs (here: stopped) blocks every process touching its
// mount; ForceUnmount must free them and remove the mount.
func TestForceUnmountAbortsAHungServer(t *testing.T) {
	m := mountT(t)
	must(t, syscall.Kill(m.pid, syscall.SIGSTOP))
	m.killed = true
	defer syscall.Kill(m.pid, syscall.SIGKILL) // SIGKILL ends a stopped process too
	// The stop is asynchronous: a server not yet stopped answered the stat
	// below once in CI.
	must(t, proc.WaitStopped(m.pid, 2*time.Second))
	blocked := make(chan error, 1)
	go func() { _, err := os.Stat(m.path("x")); blocked <- err }()
	select {
	case err := <-blocked:
		t.Fatalf("stat answered by a stopped server (%v): the test proves nothing", err)
	case <-time.After(300 * time.Millisecond):
	}
	must(t, ForceUnmount(m.Dir, m.conn))
	select {
	case err := <-blocked:
		if err == nil {
			t.Fatal("stat succeeded on an aborted mount")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stat still blocked after the abort")
	}
	if ok, err := Mounted(m.Dir); ok || err != nil {
		t.Fatalf("mount still there (%v)", err)
	}
}

// SIGTERM, like stdin EOF, unmounts and exits cleanly (the cleanup checks
// the exit status).
func TestServeUnmountsOnSIGTERM(t *testing.T) {
	m := mountT(t)
	must(t, syscall.Kill(m.pid, syscall.SIGTERM))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ok, err := Mounted(m.Dir); !ok && err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("still mounted 5s after SIGTERM")
		}
	}
}

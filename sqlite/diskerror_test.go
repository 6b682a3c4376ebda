package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/fulldisk"
)

func bigMem(i int) memory.Memory {
	m := testMem(i)
	m.Content = strings.Repeat("x", 60000) // more than the WAL has room for on a full disk
	return m
}

func applyErr(s *Store, ms ...memory.Memory) error {
	_, err := s.Apply(context.Background(), &memory.Batch{Memories: ms})
	return err
}

// On a really full disk every write, alone or group-committed with others,
// fails with insufficient_storage and leaves nothing behind; once space is
// freed the same store takes writes again, without a restart.
func TestFullDiskIsInsufficientStorageAndRecovers(t *testing.T) {
	dir := fulldisk.Mount(t, "2m")
	s := openTempAt(t, filepath.Join(dir, "full.db"))
	mustApply(t, s, testMem(0))
	free := fulldisk.Fill(t, dir)

	var wg sync.WaitGroup
	failed := make([]memory.Memory, 5)
	errs := make([]error, len(failed))
	for i := range failed {
		failed[i] = bigMem(i + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = applyErr(s, failed[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if memory.ErrorCode(err) != memory.CodeInsufficientStorage {
			t.Errorf("write %d on a full disk: %v, want insufficient_storage", i, err)
		}
	}
	free()
	for _, m := range failed {
		if _, err := s.GetMemory(context.Background(), m.ID); !memory.IsNotFound(err) {
			t.Errorf("write refused for a full disk is visible: %v", err)
		}
	}
	after := bigMem(9)
	if err := applyErr(s, after); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if _, err := s.GetMemory(context.Background(), after.ID); err != nil {
		t.Fatal(err)
	}
}

// An I/O error (here: the write connection's WAL descriptor swapped for one
// that refuses writes, so every write on that connection fails with
// SQLITE_IOERR_WRITE until it is replaced) answers unavailable, and the
// writer replaces its connection so the next write succeeds.
func TestIOErrorIsUnavailableAndWriterReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eio.db")
	s := openTempAt(t, path)
	first := testMem(0)
	mustApply(t, s, first)
	s.read.SetMaxIdleConns(0) // close the other connections' descriptors on the WAL
	s.aux.SetMaxIdleConns(0)
	wal := walDescriptors(t, path+"-wal")
	if len(wal) != 1 {
		t.Fatalf("want exactly the writer's descriptor on the WAL, found %v", wal)
	}
	null, err := os.Open(os.DevNull) // read-only: pwrite fails with EBADF
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(null.Fd()), wal[0], 0); err != nil {
		t.Fatal(err)
	}
	null.Close()

	lost := testMem(1)
	if err := applyErr(s, lost); memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("write on a failing disk: %v, want unavailable", err)
	}
	next := testMem(2)
	if err := applyErr(s, next); err != nil {
		t.Fatalf("write after the I/O error: %v (the writer did not recover)", err)
	}
	for _, m := range []memory.Memory{first, next} {
		if _, err := s.GetMemory(context.Background(), m.ID); err != nil {
			t.Errorf("memory %s: %v", m.Title, err)
		}
	}
}

// walDescriptors lists this process's file descriptors open on path.
func walDescriptors(t *testing.T, path string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var out []int
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || target != path {
			continue
		}
		var fd int
		for _, c := range e.Name() {
			fd = fd*10 + int(c-'0')
		}
		out = append(out, fd)
	}
	return out
}

// openTempAt opens a store at path, closed at cleanup.
func openTempAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

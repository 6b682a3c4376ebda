package lazyfs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fileLog drives an undoLog over a plain file the way the node does:
// change, then write; no mount involved.
type fileLog struct {
	t    *testing.T
	path string
	u    undoLog
}

func newFileLog(t *testing.T, initial []byte) *fileLog {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, initial, 0o644); err != nil {
		t.Fatal(err)
	}
	return &fileLog{t: t, path: p}
}

func (l *fileLog) begin() {
	l.t.Helper()
	if err := l.u.begin(func() (*os.File, error) { return os.OpenFile(l.path, os.O_RDWR, 0) }); err != nil {
		l.t.Fatal(err)
	}
}

func (l *fileLog) write(off int64, b []byte) {
	l.t.Helper()
	l.begin()
	if err := l.u.change(off, off+int64(len(b))); err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.u.f.WriteAt(b, off); err != nil {
		l.t.Fatal(err)
	}
}

func (l *fileLog) truncate(sz int64) {
	l.t.Helper()
	l.begin()
	cur, _ := l.u.size()
	if err := l.u.change(min(sz, cur), max(sz, cur)); err != nil {
		l.t.Fatal(err)
	}
	if err := l.u.f.Truncate(sz); err != nil {
		l.t.Fatal(err)
	}
}

func (l *fileLog) must(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
}

func (l *fileLog) cut() int64 {
	l.t.Helper()
	if !l.u.pending() {
		return 0
	}
	n, err := l.u.cut()
	l.must(err)
	return n
}

func (l *fileLog) want(b []byte) {
	l.t.Helper()
	got, err := os.ReadFile(l.path)
	l.must(err)
	if !bytes.Equal(got, b) {
		l.t.Fatalf("after cut: %d bytes %q..., want %d bytes %q...", len(got), head(got), len(b), head(b))
	}
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }

func fill(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }

func TestUndoOverwriteAppendAndTruncate(t *testing.T) {
	orig := fill(3*pageSize+100, 'a') // on disk before the mount: durable
	l := newFileLog(t, orig)
	l.write(pageSize-10, fill(20, 'b')) // straddles two pages
	l.write(int64(len(orig)), fill(9000, 'c'))
	l.truncate(pageSize / 2)
	l.write(pageSize/2, fill(10, 'd')) // past the new end, below the durable one
	if n := l.cut(); n < 9000 {
		t.Fatalf("cut dropped %d bytes, want at least the 9000 appended", n)
	}
	l.want(orig)
	if l.u.pending() {
		t.Fatal("log still open after cut")
	}
}

func TestUndoSyncKeepsWhatWasSynced(t *testing.T) {
	l := newFileLog(t, nil)
	l.write(0, []byte("hello "))
	l.must(l.u.sync())
	if l.u.pending() {
		t.Fatal("log open after a sync with nothing lost")
	}
	l.write(6, []byte("world"))
	l.write(0, []byte("J"))
	l.cut()
	l.want([]byte("hello "))
}

func TestUndoFailedFsyncLosesPagesForGood(t *testing.T) {
	orig := fill(2*pageSize, 'a')
	l := newFileLog(t, orig)
	l.write(10, []byte("lost"))            // below the durable end
	l.write(2*pageSize, []byte("tail"))    // past it
	l.must(l.u.fail())                     // fsync returned EIO
	l.write(pageSize+1, []byte("written")) // another page, after the failure
	l.must(l.u.sync())                     // a retry succeeds...
	l.cut()                                // ...but the failed pages stay lost
	want := append([]byte(nil), orig...)
	copy(want[pageSize+1:], "written")
	l.want(append(want, 0, 0, 0, 0)) // the size was synced, the tail data was not

	// Writing a lost page again makes it syncable again.
	l.write(10, []byte("again"))
	l.must(l.u.fail())
	l.write(10, []byte("fresh"))
	l.must(l.u.sync())
	l.cut()
	copy(want[10:], "fresh")
	l.want(append(want, 0, 0, 0, 0))
}

package lazyfs

import (
	"fmt"
	"os"
	"sync"
)

const pageSize = 4096

// undoLog is what one file (one backing inode) owes a power cut: its size
// as of the last sync and the durable contents of the pages changed since.
// Invariant: a byte below durable differs from its durable value only if
// its page is in pages, because every change saves the page first.
type undoLog struct {
	mu sync.Mutex
	// f is our own read-write descriptor, open while anything is pending.
	// It also keeps the inode alive, so its number cannot be reused by a
	// new file while the log still describes the old one.
	f       *os.File
	durable int64
	pages   map[int64]*page
}

type page struct {
	data []byte // the durable contents: pageSize bytes, zero past durable
	// lost marks a page a failed fsync covered: like Linux, which marks
	// such pages clean, a later successful fsync does not make it durable.
	// A new write to the page clears it.
	lost bool
}

// pending reports whether anything would be dropped by a cut.
func (u *undoLog) pending() bool { return u.f != nil }

// begin opens the log on the first change after a sync: everything the
// file holds now is durable.
func (u *undoLog) begin(open func() (*os.File, error)) error {
	if u.f != nil {
		return nil
	}
	f, err := open()
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	u.f, u.durable, u.pages = f, st.Size(), map[int64]*page{}
	return nil
}

func (u *undoLog) size() (int64, error) {
	st, err := u.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// save records page p's durable contents unless already recorded. By the
// invariant, the backing file still holds them below durable.
func (u *undoLog) save(p int64) (*page, error) {
	if pg, ok := u.pages[p]; ok {
		return pg, nil
	}
	pg := &page{data: make([]byte, pageSize)}
	if start := p * pageSize; start < u.durable {
		n := min(pageSize, u.durable-start)
		if _, err := u.f.ReadAt(pg.data[:n], start); err != nil {
			return nil, fmt.Errorf("lazyfs: save page %d: %w", p, err)
		}
	}
	u.pages[p] = pg
	return pg, nil
}

// pagesOf returns the page numbers overlapping [a, b).
func pagesOf(a, b int64) (first, end int64) {
	if b <= a {
		return 0, 0
	}
	return a / pageSize, (b-1)/pageSize + 1
}

// change must be called before bytes [a, b) of the file change (by a
// write, a truncation or fallocate): it saves the durable pages among
// them, and the touched pages become dirty again, so syncable.
func (u *undoLog) change(a, b int64) error {
	first, end := pagesOf(a, min(b, u.durable))
	for p := first; p < end; p++ {
		if _, err := u.save(p); err != nil {
			return err
		}
	}
	first, end = pagesOf(a, b)
	for p := first; p < end; p++ {
		if pg, ok := u.pages[p]; ok {
			pg.lost = false
		}
	}
	return nil
}

// sync makes the whole file durable, except pages lost to a failed fsync,
// and closes the log if nothing is left pending.
func (u *undoLog) sync() error {
	sz, err := u.size()
	if err != nil {
		return err
	}
	u.durable = sz
	for p, pg := range u.pages {
		if !pg.lost {
			delete(u.pages, p)
		}
	}
	if len(u.pages) == 0 {
		return u.close()
	}
	return nil
}

// fail records a failed fsync of the whole file: every pending page is
// lost, those changed below the durable size (already in the log) and
// those written past it.
func (u *undoLog) fail() error {
	sz, err := u.size()
	if err != nil {
		return err
	}
	for _, pg := range u.pages {
		pg.lost = true
	}
	first, end := pagesOf(u.durable, sz)
	for p := first; p < end; p++ {
		pg, err := u.save(p)
		if err != nil {
			return err
		}
		pg.lost = true
	}
	return nil
}

// cut restores the durable size, then the durable pages (the size first,
// so no reader ever sees restored pages past a stale end), and closes the
// log. It returns how many bytes it dropped, at page granularity.
func (u *undoLog) cut() (int64, error) {
	sz, err := u.size()
	if err != nil {
		return 0, err
	}
	dropped := max(0, sz-u.durable)
	if err := u.f.Truncate(u.durable); err != nil {
		return 0, err
	}
	for p, pg := range u.pages {
		start := p * pageSize
		if start >= u.durable {
			continue
		}
		n := min(pageSize, u.durable-start)
		if _, err := u.f.WriteAt(pg.data[:n], start); err != nil {
			return 0, err
		}
		dropped += n
	}
	return dropped, u.close()
}

func (u *undoLog) close() error {
	err := u.f.Close()
	u.f, u.pages = nil, nil
	return err
}

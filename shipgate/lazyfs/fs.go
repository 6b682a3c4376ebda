package lazyfs

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Mode is the fault the filesystem injects.
type Mode string

const (
	None     Mode = "none"
	ENOSPC   Mode = "enospc"
	EIOWrite Mode = "eio-write"
	EIOFsync Mode = "eio-fsync"
)

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case None, ENOSPC, EIOWrite, EIOFsync:
		return m, nil
	}
	return "", fmt.Errorf("unknown fault mode %q (want none, enospc, eio-write or eio-fsync)", s)
}

// Stats are the filesystem's counters since it was mounted.
type Stats struct {
	Mode         Mode  `json:"mode"`
	BytesWritten int64 `json:"bytes_written"`
	Fsyncs       int64 `json:"fsyncs"` // successful fsync/fdatasync of files
	Faults       int64 `json:"faults"` // injected errors returned
	Cuts         int64 `json:"cuts"`
	BytesDropped int64 `json:"bytes_dropped"` // by cuts, at page granularity
}

// CutStats is what one cut dropped.
type CutStats struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// FS is a mounted lazyfs.
type FS struct {
	Backing, Mountpoint string

	server *fuse.Server
	root   *node

	mu   sync.Mutex
	logs map[uint64]*undoLog // by inode number; never removed, only closed

	mode                                   atomic.Value // Mode
	written, fsyncs, faults, cuts, dropped atomic.Int64
}

// Mount serves backing at mountpoint until Unmount.
func Mount(backing, mountpoint string) (*FS, error) {
	r, err := fs.NewLoopbackRoot(backing)
	if err != nil {
		return nil, err
	}
	l := &FS{Backing: backing, Mountpoint: mountpoint, logs: map[uint64]*undoLog{}}
	l.mode.Store(None)
	l.root = &node{LoopbackNode: r.(*fs.LoopbackNode), lfs: l}
	opts := &fs.Options{MountOptions: fuse.MountOptions{
		DirectMount: true, // no fusermount binary needed; we are root
		FsName:      "lazyfs:" + backing,
		Name:        "lazyfs",
		// Passthrough would send reads and writes to the backing file
		// without asking us; atomic O_TRUNC would truncate in OPEN.
		// Without them every change arrives as a request we track.
		DisabledCapabilities: fuse.CAP_PASSTHROUGH | fuse.CAP_ATOMIC_O_TRUNC,
	}}
	srv, err := fs.Mount(mountpoint, l.root, opts)
	if err != nil {
		return nil, fmt.Errorf("lazyfs: mount %s: %w", mountpoint, err)
	}
	l.server = srv
	return l, nil
}

// Conn is the mount's connection number under /sys/fs/fuse/connections,
// through which a hung mount can be aborted.
func (l *FS) Conn() (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(l.Mountpoint, &st); err != nil {
		return 0, err
	}
	return int(unix.Minor(st.Dev)), nil
}

// Unmount unmounts; if files are still open it detaches the mount
// instead (it disappears now, and its users get errors once we exit),
// and says so.
func (l *FS) Unmount() error {
	err := l.server.Unmount()
	if err == nil {
		return nil
	}
	if derr := unix.Unmount(l.Mountpoint, unix.MNT_DETACH); derr != nil {
		return errors.Join(err, derr)
	}
	return fmt.Errorf("lazyfs: %s was busy, detached it: %w", l.Mountpoint, err)
}

// SetMode sets the fault to inject from now on.
func (l *FS) SetMode(m Mode) { l.mode.Store(m) }

func (l *FS) Mode() Mode { return l.mode.Load().(Mode) }

// Stats returns the counters.
func (l *FS) Stats() Stats {
	return Stats{
		Mode: l.Mode(), BytesWritten: l.written.Load(), Fsyncs: l.fsyncs.Load(),
		Faults: l.faults.Load(), Cuts: l.cuts.Load(), BytesDropped: l.dropped.Load(),
	}
}

// writeFault returns the error the current mode injects for a write or a
// space-allocating call (0 for none), and counts it.
func (l *FS) writeFault(allocates bool) syscall.Errno {
	switch l.Mode() {
	case ENOSPC:
		if !allocates {
			return 0
		}
		l.faults.Add(1)
		return syscall.ENOSPC
	case EIOWrite:
		l.faults.Add(1)
		return syscall.EIO
	}
	return 0
}

// fsyncFault counts and returns EIO in eio-fsync mode.
func (l *FS) fsyncFault() bool {
	if l.Mode() != EIOFsync {
		return false
	}
	l.faults.Add(1)
	return true
}

// log returns the undo log of inode ino, creating it, unlocked.
func (l *FS) log(ino uint64, create bool) *undoLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.logs[ino]
	if u == nil && create {
		u = &undoLog{}
		l.logs[ino] = u
	}
	return u
}

// Cut drops every write not yet made durable, as a power cut would. Call
// it while no process uses the mount.
func (l *FS) Cut() (CutStats, error) {
	l.mu.Lock()
	logs := make([]*undoLog, 0, len(l.logs))
	for _, u := range l.logs {
		logs = append(logs, u)
	}
	l.mu.Unlock()
	var cs CutStats
	var errs []error
	for _, u := range logs {
		u.mu.Lock()
		if u.pending() {
			n, err := u.cut()
			cs.Files++
			cs.Bytes += n
			errs = append(errs, err)
		}
		u.mu.Unlock()
	}
	// The kernel still caches the dropped pages and sizes. No lock is
	// held here: invalidation may make the kernel write to us first.
	invalidate(l.root.EmbeddedInode())
	l.cuts.Add(1)
	l.dropped.Add(cs.Bytes)
	return cs, errors.Join(errs...)
}

// invalidate drops the kernel's cached data and attributes of every file
// it knows under in.
func invalidate(in *fs.Inode) {
	for _, c := range in.Children() {
		switch {
		case c.IsDir():
			invalidate(c)
		case c.StableAttr().Mode&syscall.S_IFMT == syscall.S_IFREG:
			c.NotifyContent(0, 0) // ENOENT: the kernel has forgotten it, nothing cached
		}
	}
}

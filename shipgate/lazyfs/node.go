package lazyfs

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// node is a loopback node whose data changes are tracked. Everything else
// (lookup, readdir, metadata) is the loopback's, synchronous.
type node struct {
	*fs.LoopbackNode
	lfs *FS
}

var (
	_ fs.NodeWrapChilder    = (*node)(nil)
	_ fs.NodeOpener         = (*node)(nil)
	_ fs.NodeCreater        = (*node)(nil)
	_ fs.NodeTmpfiler       = (*node)(nil)
	_ fs.NodeWriter         = (*node)(nil)
	_ fs.NodeWritever       = (*node)(nil)
	_ fs.NodeFsyncer        = (*node)(nil)
	_ fs.NodeAllocater      = (*node)(nil)
	_ fs.NodeSetattrer      = (*node)(nil)
	_ fs.NodeGetattrer      = (*node)(nil)
	_ fs.NodeStatxer        = (*node)(nil)
	_ fs.NodeCopyFileRanger = (*node)(nil)
)

// WrapChild makes every node the loopback creates one of ours.
func (n *node) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &node{LoopbackNode: ops.(*fs.LoopbackNode), lfs: n.lfs}
}

func (n *node) ino() uint64 { return n.StableAttr().Ino }

// modify runs fn on the file's undo log, locked and open.
func (n *node) modify(h *handle, fn func(u *undoLog) error) syscall.Errno {
	u := n.lfs.log(n.ino(), true)
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.begin(func() (*os.File, error) { return n.reopen(h) }); err != nil {
		return fs.ToErrno(err)
	}
	return fs.ToErrno(fn(u))
}

// reopen opens the backing file read-write for the undo log: through the
// open handle if there is one (that works even once it is unlinked),
// else by path.
func (n *node) reopen(h *handle) (*os.File, error) {
	if h != nil {
		return os.OpenFile("/proc/self/fd/"+strconv.Itoa(h.fd), os.O_RDWR, 0)
	}
	return os.OpenFile(filepath.Join(n.RootData.Path, n.Path(nil)), os.O_RDWR, 0)
}

// locked runs fn under the file's undo-log lock, if it has one, so a size
// lookup never sees a cut half done.
func (n *node) locked(fn func() syscall.Errno) syscall.Errno {
	if u := n.lfs.log(n.ino(), false); u != nil {
		u.mu.Lock()
		defer u.mu.Unlock()
	}
	return fn()
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, ff, errno := n.LoopbackNode.Open(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return wrap(fh), ff, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	// The file is normally new. If it appeared since the kernel looked,
	// its truncation must go through the undo log like any other.
	in, fh, ff, errno := n.LoopbackNode.Create(ctx, name, flags&^syscall.O_TRUNC, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	h := wrap(fh)
	if flags&syscall.O_TRUNC != 0 && out.Size > 0 {
		c := in.Operations().(*node)
		if errno := c.truncate(h, 0); errno != 0 {
			h.Release(ctx)
			return nil, nil, 0, errno
		}
		out.Size = 0
	}
	return in, h, ff, 0
}

func (n *node) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	in, fh, ff, errno := n.LoopbackNode.Tmpfile(ctx, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return in, wrap(fh), ff, 0
}

func (n *node) Write(ctx context.Context, f fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	return n.write(f, [][]byte{data}, off)
}

func (n *node) Writev(ctx context.Context, f fs.FileHandle, data [][]byte, off int64) (uint32, syscall.Errno) {
	return n.write(f, data, off)
}

func (n *node) write(f fs.FileHandle, iov [][]byte, off int64) (uint32, syscall.Errno) {
	h, ok := f.(*handle)
	if !ok {
		return 0, syscall.EBADF
	}
	if errno := n.lfs.writeFault(true); errno != 0 {
		return 0, errno
	}
	var total int64
	for _, b := range iov {
		total += int64(len(b))
	}
	var written int
	errno := n.modify(h, func(u *undoLog) error {
		if err := u.change(off, off+total); err != nil {
			return err
		}
		w, err := unix.Pwritev(int(u.f.Fd()), iov, off)
		written = max(w, 0)
		n.lfs.written.Add(int64(written))
		return err
	})
	return uint32(written), errno
}

func (n *node) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	failed := n.lfs.fsyncFault()
	if n.IsDir() { // metadata is durable already
		if failed {
			return syscall.EIO
		}
		return 0
	}
	if u := n.lfs.log(n.ino(), false); u != nil {
		u.mu.Lock()
		defer u.mu.Unlock()
		if u.pending() {
			var err error
			if failed {
				err = u.fail()
			} else {
				err = u.sync()
			}
			if err != nil {
				return fs.ToErrno(err)
			}
		}
	}
	if failed {
		return syscall.EIO
	}
	n.lfs.fsyncs.Add(1)
	return 0
}

// Fallocate modes (linux/falloc.h); those that shift data are refused.
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

func (n *node) Allocate(ctx context.Context, f fs.FileHandle, off, size uint64, mode uint32) syscall.Errno {
	h, ok := f.(*handle)
	if !ok {
		return syscall.EBADF
	}
	switch mode &^ fallocKeepSize {
	case 0, fallocPunchHole, fallocZeroRange:
	default:
		return syscall.EOPNOTSUPP
	}
	if errno := n.lfs.writeFault(mode&fallocPunchHole == 0); errno != 0 {
		return errno
	}
	a, b := int64(off), int64(off+size)
	return n.modify(h, func(u *undoLog) error {
		if err := u.change(a, b); err != nil {
			return err
		}
		return unix.Fallocate(int(u.f.Fd()), mode, a, b-a)
	})
}

// Setattr tracks a size change; the rest (mode, owner, times) is metadata.
func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if sz, ok := in.GetSize(); ok {
		h, _ := f.(*handle)
		if errno := n.truncate(h, int64(sz)); errno != 0 {
			return errno
		}
		in.Valid &^= fuse.FATTR_SIZE
	}
	return n.LoopbackNode.Setattr(ctx, f, in, out)
}

func (n *node) truncate(h *handle, sz int64) syscall.Errno {
	return n.modify(h, func(u *undoLog) error {
		cur, err := u.size()
		if err != nil {
			return err
		}
		if err := u.change(min(sz, cur), max(sz, cur)); err != nil {
			return err
		}
		return u.f.Truncate(sz)
	})
}

func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.locked(func() syscall.Errno { return n.LoopbackNode.Getattr(ctx, f, out) })
}

func (n *node) Statx(ctx context.Context, f fs.FileHandle, flags, mask uint32, out *fuse.StatxOut) syscall.Errno {
	return n.locked(func() syscall.Errno { return n.LoopbackNode.Statx(ctx, f, flags, mask, out) })
}

// CopyFileRange is refused: ENOSYS makes the kernel copy through reads
// and writes, which are tracked.
func (n *node) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut, size, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.ENOSYS
}

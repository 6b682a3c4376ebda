package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

// Disk is a lazyfs mount on which a node keeps its database: a power cut
// (Cut after the node is killed) drops what the node never fsynced, and
// SetFault makes writes or fsyncs fail. Its server is a `ship-gate
// lazyfs` child under the Supervisor (StartDisk), or one the agent of the
// node's remote host runs.
type Disk struct {
	Backing string // where the files really are
	Mount   string // where the node sees them (on its own host)

	srv diskServer

	closeOnce sync.Once
	closeErr  error
}

// diskServer is the process serving a mount: it takes lazyfs commands,
// and Close unmounts and ends it.
type diskServer interface {
	Do(ctx context.Context, cmd string) (lazyfs.Reply, error)
	Close() error
}

// localDisk serves a mount on this machine. The mount is recorded in the
// state file from before it exists until it is gone, so cleanup can force
// it off.
type localDisk struct {
	mount string
	sup   *Supervisor
	proc  *Proc
	in    *os.File // the child's stdin: closing it unmounts
	c     *lazyfs.Client
	conn  int
}

// diskGrace bounds how long the child may take to unmount and exit once
// asked, before it is killed and its mount forced off.
const diskGrace = 10 * time.Second

// StartDisk mounts a lazyfs of backing at mount, served by `exe lazyfs`
// (exe is a ship-gate binary), and waits until it is mounted. The child's
// stderr goes to log.
func StartDisk(ctx context.Context, sup *Supervisor, exe, backing, mount string, log io.Writer) (*Disk, error) {
	for _, d := range []string{backing, mount} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	l := &localDisk{mount: mount, sup: sup, in: inW, c: lazyfs.NewClient(inW, outR)}
	d := &Disk{Backing: backing, Mount: mount, srv: l}
	sup.TrackMount(mount, 0)
	l.proc, err = sup.Start(ProcSpec{
		Name: "ship-gate lazyfs " + mount, Path: exe,
		Args:  []string{"lazyfs", "--backing", backing, "--mount", mount},
		Stdin: inR, Stdout: outW, Stderr: log,
	})
	inR.Close() // the child holds its own ends
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		sup.UntrackMount(mount)
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, diskGrace)
	defer cancel()
	r, err := l.c.Ready(rctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lazyfs at %s: %w", mount, err), d.Close())
	}
	l.conn = r.Conn
	sup.TrackMount(mount, r.Conn)
	return d, nil
}

func (l *localDisk) Do(ctx context.Context, cmd string) (lazyfs.Reply, error) {
	return l.c.Do(ctx, cmd)
}

// Close closes the child's stdin, on which the child unmounts and exits.
// A child that fails to, or has died, is killed and its mount aborted and
// detached.
func (l *localDisk) Close() error {
	l.in.Close()
	var errs []error
	select {
	case <-l.proc.Done():
		if ps := l.proc.cmd.ProcessState; !ps.Success() {
			errs = append(errs, fmt.Errorf("lazyfs at %s: %s", l.mount, ps))
		}
	case <-time.After(diskGrace):
		errs = append(errs, fmt.Errorf("lazyfs at %s did not unmount within %s; killed", l.mount, diskGrace))
		l.proc.Kill()
	}
	if err := lazyfs.ForceUnmount(l.mount, l.conn); err != nil {
		errs = append(errs, err)
	}
	if ok, err := lazyfs.Mounted(l.mount); ok || err != nil {
		errs = append(errs, fmt.Errorf("lazyfs at %s still mounted (%v)", l.mount, err))
	} else {
		l.sup.UntrackMount(l.mount)
	}
	return errors.Join(errs...)
}

// Cut drops every write not yet fsynced, as a power cut would. Kill the
// node first: nothing may have a file of the mount open.
func (d *Disk) Cut(ctx context.Context) (lazyfs.CutStats, error) {
	r, err := d.srv.Do(ctx, "cut")
	if r.Cut == nil {
		return lazyfs.CutStats{}, err
	}
	return *r.Cut, err
}

// SetFault makes the disk inject mode from now on (lazyfs.None clears it).
func (d *Disk) SetFault(ctx context.Context, mode lazyfs.Mode) error {
	_, err := d.srv.Do(ctx, "fault "+string(mode))
	return err
}

// Stats returns the disk's counters.
func (d *Disk) Stats(ctx context.Context) (lazyfs.Stats, error) {
	r, err := d.srv.Do(ctx, "stats")
	if err != nil {
		return lazyfs.Stats{}, err
	}
	return *r.Stats, nil
}

// Close unmounts. Call it once the node is stopped. Safe to call more
// than once.
func (d *Disk) Close() error {
	d.closeOnce.Do(func() { d.closeErr = d.srv.Close() })
	return d.closeErr
}

// attachDisk puts the node's database on a lazyfs mount: data/ in its
// directory, backed by disk/. Its log stays off the mount: a cut must not
// eat the evidence.
func (n *Node) attachDisk(ctx context.Context) error {
	if n.remote != nil {
		d, err := n.remote.startDisk(ctx, n)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		// The node's database is data/ai-memory.db in its directory, as
		// the launcher maps it onto the host: on the mount.
		n.Disk, n.DB = d, filepath.Join(n.Dir, "data", "ai-memory.db")
		return nil
	}
	exe := n.opts.DiskBinary
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	logf, err := os.OpenFile(filepath.Join(n.Dir, "lazyfs.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor
	d, err := StartDisk(ctx, n.sup, exe, filepath.Join(n.Dir, "disk"), filepath.Join(n.Dir, "data"), logf)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	n.Disk, n.DB = d, filepath.Join(d.Mount, "ai-memory.db")
	return nil
}

// diskUnsupported is DiskUnavailable for the classes that need a disk.
func diskUnsupported(class string) string {
	if fc, _ := config.Class(class); fc.NeedsDisk {
		return DiskUnavailable()
	}
	return ""
}

// DiskUnavailable says why nodes cannot get a disk layer on this machine
// ("" when they can): it needs root and /dev/fuse.
func DiskUnavailable() string {
	if os.Geteuid() != 0 {
		return "the FUSE disk layer needs root (run ship-gate as root)"
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return "the FUSE disk layer needs /dev/fuse: " + err.Error()
	}
	return ""
}

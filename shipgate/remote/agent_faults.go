package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aimemory/ai-memory/shipgate/lazyfs"
	"github.com/aimemory/ai-memory/shipgate/proc"
	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// This file is the agent's share of the fault classes that need something
// on the host itself: proxies on the peer links (latency, lost answers)
// and the FUSE disk layer (power loss, full and failing disks).

// proxyStart runs a proxy on the host's loopback forwarding to target.
func (a *agent) proxyStart(target string) (string, error) {
	if target == "" {
		return "", errors.New("proxy: no target")
	}
	p, err := proxy.Start("127.0.0.1", target)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.proxies[p.Addr()] = p
	a.mu.Unlock()
	return p.Addr(), nil
}

func (a *agent) proxy(addr string) (*proxy.Proxy, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.proxies[addr]
	if p == nil {
		return nil, fmt.Errorf("no proxy of this agent listens on %q", addr)
	}
	return p, nil
}

func (a *agent) proxySet(r Request) error {
	p, err := a.proxy(r.Addr)
	if err != nil {
		return err
	}
	switch r.Mode {
	case "pass":
		p.Set(proxy.Pass, 0)
	case "delay":
		p.SetLatency(time.Duration(r.Delay), time.Duration(r.Jitter))
	case "drop_responses":
		p.SetDropResponses(r.Prob)
	default:
		return fmt.Errorf("proxy mode %q: want pass, delay or drop_responses", r.Mode)
	}
	return nil
}

func (a *agent) proxyClose(addr string) error {
	p, err := a.proxy(addr)
	if err != nil {
		return err
	}
	a.mu.Lock()
	delete(a.proxies, addr)
	a.mu.Unlock()
	return p.Close()
}

// agentDisk is a `ship-gate lazyfs` the agent runs for one mount.
type agentDisk struct {
	mount string
	cmd   *exec.Cmd
	in    io.WriteCloser
	c     *lazyfs.Client
	conn  int // the mount's fusectl connection, to abort it if its server hangs
	done  chan struct{}
}

// diskGrace bounds how long a lazyfs server may take to mount, or to
// unmount and exit once asked.
const diskGrace = 10 * time.Second

// diskStart mounts a lazyfs of backing at mount, served by this same
// binary's `lazyfs` command in a process of its own (a mount served from
// the process that also uses it can hang that process's exit). Its stderr
// is appended to logPath.
func (a *agent) diskStart(backing, mount, logPath string) error {
	for _, p := range []string{backing, mount, logPath} {
		if !a.under(p) {
			return fmt.Errorf("disk: %s is outside %s", p, a.cfg.Root)
		}
	}
	a.mu.Lock()
	_, dup := a.disks[mount]
	a.mu.Unlock()
	if dup {
		return fmt.Errorf("disk: %s is mounted already", mount)
	}
	for _, d := range []string{backing, mount, filepath.Dir(logPath)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor
	d := &agentDisk{mount: mount, done: make(chan struct{})}
	d.cmd = exec.Command(exe, "lazyfs", "--backing", backing, "--mount", mount)
	d.cmd.Stderr = logf
	// SIGTERM, not SIGKILL, if the agent dies: the server then unmounts.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if d.in, err = d.cmd.StdinPipe(); err != nil {
		return err
	}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := d.cmd.Start(); err != nil {
		return err
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	d.c = lazyfs.NewClient(d.in, out)
	ctx, cancel := context.WithTimeout(context.Background(), diskGrace)
	defer cancel()
	r, err := d.c.Ready(ctx)
	if err != nil {
		return errors.Join(fmt.Errorf("disk at %s: %w", mount, err), d.stop())
	}
	d.conn = r.Conn
	a.mu.Lock()
	a.disks[mount] = d
	a.mu.Unlock()
	return nil
}

func (a *agent) disk(mount string) (*agentDisk, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.disks[mount]
	if d == nil {
		return nil, fmt.Errorf("no disk of this agent is mounted at %q", mount)
	}
	return d, nil
}

// diskCommand passes one command to a mount's server and returns its
// reply as JSON (a reply that reports a failure included).
func (a *agent) diskCommand(mount, command string) (string, error) {
	d, err := a.disk(mount)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), diskGrace)
	defer cancel()
	r, err := d.c.Do(ctx, command)
	if err != nil && r.Error == "" {
		return "", err // no reply at all
	}
	b, _ := json.Marshal(r)
	return string(b), nil
}

func (a *agent) diskStop(mount string) error {
	d, err := a.disk(mount)
	if err != nil {
		return err
	}
	a.mu.Lock()
	delete(a.disks, mount)
	a.mu.Unlock()
	return d.stop()
}

// stop closes the server's stdin, on which it unmounts and exits; one that
// does not within diskGrace is killed and its mount aborted and detached.
func (d *agentDisk) stop() error {
	d.in.Close()
	var errs []error
	select {
	case <-d.done:
		if ps := d.cmd.ProcessState; !ps.Success() {
			errs = append(errs, fmt.Errorf("lazyfs at %s: %s", d.mount, ps))
		}
	case <-time.After(diskGrace):
		errs = append(errs, fmt.Errorf("lazyfs at %s did not unmount within %s; killed", d.mount, diskGrace))
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
	if err := lazyfs.ForceUnmount(d.mount, d.conn); err != nil {
		errs = append(errs, err)
	}
	if ok, err := lazyfs.Mounted(d.mount); ok || err != nil {
		errs = append(errs, fmt.Errorf("lazyfs at %s still mounted (%v)", d.mount, err))
	}
	return errors.Join(errs...)
}

// probe finds out what this host allows, for real: nft must list tables,
// and a lazyfs must mount and unmount under Root.
func (a *agent) probe() Capabilities {
	var c Capabilities
	if _, err := exec.LookPath("nft"); err != nil {
		c.Nft = "nft is not installed on the host"
	} else if out, err := exec.Command("nft", "list", "tables").CombinedOutput(); err != nil {
		c.Nft = fmt.Sprintf("nft list tables: %v: %s", err, strings.TrimSpace(string(out)))
	}
	switch _, err := os.Stat("/dev/fuse"); {
	case os.Geteuid() != 0:
		c.Disk = "the FUSE disk layer needs root on the host"
	case err != nil:
		c.Disk = "the FUSE disk layer needs /dev/fuse on the host: " + err.Error()
	default:
		dir := filepath.Join(a.cfg.Root, "disk-probe")
		err := a.diskStart(filepath.Join(dir, "backing"), filepath.Join(dir, "mount"), filepath.Join(dir, "lazyfs.log"))
		if err == nil {
			_, err = a.diskCommand(filepath.Join(dir, "mount"), "stats")
			err = errors.Join(err, a.diskStop(filepath.Join(dir, "mount")))
		}
		if err != nil {
			c.Disk = "the FUSE disk layer could not mount on the host: " + err.Error()
		} else {
			os.RemoveAll(dir)
		}
	}
	return c
}

// waitStopped returns once the kernel shows pid stopped: a pause that has
// not taken hold would let the node answer inside the fault.
func waitStopped(pid int) error { return proc.WaitStopped(pid, 2*time.Second) }

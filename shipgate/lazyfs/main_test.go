package lazyfs

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the processes a test needs besides itself:
// the FUSE server (never served from the test process, whose exit a live
// mount can hang) and SQLite writers that get SIGKILLed.
const helperEnv = "LAZYFS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "serve":
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		if err := Serve(os.Getenv("LAZYFS_BACKING"), os.Getenv("LAZYFS_MOUNT"), os.Stdin, os.Stdout, stop); err != nil {
			os.Stderr.WriteString("serve: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	case "sqlite-writer":
		sqliteWriter()
		return
	}
	os.Exit(m.Run())
}

// needFUSE skips a test that mounts unless it can: mounting needs root
// and /dev/fuse.
func needFUSE(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a FUSE filesystem needs root")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("mounting a FUSE filesystem needs /dev/fuse: %v", err)
	}
}

// mounted is a lazyfs served by a child process for one test.
type mounted struct {
	Dir     string // the mount point
	Backing string
	c       *Client
	pid     int
	conn    int
	// killed is set by a test that kills the server itself; it cannot
	// then exit cleanly.
	killed bool
}

// mountT mounts a fresh lazyfs and, at the end of the test, unmounts it
// and checks that no mount is left, even if the test failed.
func mountT(t *testing.T) *mounted {
	t.Helper()
	needFUSE(t)
	root := t.TempDir()
	m := &mounted{Dir: filepath.Join(root, "mnt"), Backing: filepath.Join(root, "backing")}
	for _, d := range []string{m.Dir, m.Backing} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=serve", "LAZYFS_BACKING="+m.Backing, "LAZYFS_MOUNT="+m.Dir)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.c = NewClient(in, out)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	m.pid = cmd.Process.Pid
	t.Cleanup(func() { m.stop(t, in, exited) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := m.c.Ready(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.conn = r.Conn
	if ok, err := Mounted(m.Dir); !ok || err != nil {
		t.Fatalf("ready, but no lazyfs mount at %s: %v", m.Dir, err)
	}
	return m
}

// stop ends the server as the harness does (stdin EOF): it must exit by
// itself and leave no mount. If it does not, it is killed and its mount
// forced off, so nothing outlives the test either way.
func (m *mounted) stop(t *testing.T, in io.Closer, exited <-chan error) {
	in.Close()
	select {
	case err := <-exited:
		if m.killed {
			break
		}
		if err != nil {
			t.Errorf("lazyfs server: %v", err)
		}
		if ok, err := Mounted(m.Dir); ok || err != nil {
			t.Errorf("lazyfs server exited but left its mount at %s (%v)", m.Dir, err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("lazyfs server did not exit on stdin EOF")
		syscall.Kill(m.pid, syscall.SIGKILL)
		<-exited
	}
	if err := ForceUnmount(m.Dir, m.conn); err != nil {
		t.Errorf("force unmount: %v", err)
	}
	if ok, err := Mounted(m.Dir); ok || err != nil {
		t.Errorf("mount left at %s (%v)", m.Dir, err)
	}
}

func (m *mounted) do(t *testing.T, cmd string) Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := m.c.Do(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (m *mounted) path(name string) string { return filepath.Join(m.Dir, name) }

package cluster

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Reaper is a helper process that undoes the run's state file when the
// harness dies, however it dies: it blocks reading a pipe whose only
// writer is the harness, and the kernel closes that pipe on SIGKILL too.
// The parent-death signal already kills nodes; the reaper also removes
// directories and namespaces, which no signal can.
type Reaper struct {
	w   *os.File
	cmd *exec.Cmd
}

// SpawnReaper starts `exe args...` (which must end up calling
// WatchParentAndCleanup) with the pipe as its stdin, in its own process
// group so a terminal ^C reaches only the harness.
func SpawnReaper(exe string, args ...string) (*Reaper, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start reaper: %w", err)
	}
	r.Close()
	go cmd.Wait()
	return &Reaper{w: w, cmd: cmd}, nil
}

// Release tells the reaper the harness has cleaned up itself: it checks
// the state file once (gone, normally) and exits.
func (r *Reaper) Release() { r.w.Close() }

// WatchParentAndCleanup blocks until stdin reaches EOF, then undoes the
// state file. Interrupts are ignored: only the harness's end matters.
func WatchParentAndCleanup(stdin io.Reader, statePath string) error {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	io.Copy(io.Discard, stdin)
	return CleanupPath(statePath, true)
}

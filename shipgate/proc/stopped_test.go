package proc

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A running process is not reported stopped; after SIGSTOP it is.
func TestWaitStopped(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := WaitStopped(cmd.Process.Pid, 50*time.Millisecond); err == nil {
		t.Fatal("a running process reported stopped")
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := WaitStopped(cmd.Process.Pid, 2*time.Second); err != nil {
		t.Fatal(err)
	}
}

package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// StopImmediate crashes the server the way an operator's emergency stop
// does: `pg_ctl stop -m immediate`, which kills every backend without a
// checkpoint, so the next start replays the WAL. Connections die
// mid-transaction. It waits until the postmaster is gone. Not for
// external servers; not concurrently with Stop or Restart.
func (s *Server) StopImmediate(ctx context.Context) error {
	if s.cmd == nil {
		return errors.New("pgtest: no server of ours to stop")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "pg_ctl"), "stop", "-D", filepath.Join(s.root, "data"), "-m", "immediate", "-W")
	// pg_ctl refuses to run as root, as postgres itself does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop -m immediate: %w: %s", err, out)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("pgtest: postmaster still running 10 s after pg_ctl stop -m immediate")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Restart starts a stopped server again on its data directory and port,
// and waits until it accepts connections (crash recovery included).
func (s *Server) Restart(ctx context.Context) error {
	if s.root == "" {
		return errors.New("pgtest: no server of ours to restart")
	}
	select {
	case <-s.exited:
	default:
		return errors.New("pgtest: server still running")
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	return s.launch(ctx, s.bin, filepath.Join(s.root, "data"), s.port, s.cred, s.opts)
}

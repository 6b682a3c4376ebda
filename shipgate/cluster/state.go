package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

// State is what a run has made that outlives it if the harness is killed:
// processes (by pid and kernel start time, so a recycled pid is never
// signalled), directories, network namespaces, links and FUSE mounts. It
// is rewritten atomically on every change; `ship-gate cleanup` and the
// reaper undo it.
type State struct {
	Campaign   string       `json:"campaign"`
	OwnerPID   int          `json:"owner_pid"`
	OwnerStart uint64       `json:"owner_start"`
	Dirs       []string     `json:"dirs"`
	Procs      []ProcRecord `json:"procs"`
	Netns      []string     `json:"netns,omitempty"`
	Links      []string     `json:"links,omitempty"`

	// Mounts are lazyfs mounts, forced off before Dirs are removed.
	Mounts []MountRecord `json:"mounts,omitempty"`
}

// MountRecord is a lazyfs mount and its FUSE connection number (0 until
// known), through which a mount whose server hangs can be aborted.
type MountRecord struct {
	Path string `json:"path"`
	Conn int    `json:"conn"`
}

// ProcRecord identifies one started process. Group means the process leads
// its own process group, so its whole group is signalled.
type ProcRecord struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
	Group bool   `json:"group"`
}

// DefaultStateDir is where runs record their state files.
func DefaultStateDir() string { return filepath.Join(os.TempDir(), "ship-gate-state") }

func writeState(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	return os.Rename(tmp, path)
}

// ReadState loads a state file.
func ReadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &st, nil
}

// OwnerAlive reports whether the run that wrote st is still running.
func (st *State) OwnerAlive() bool {
	return st.OwnerPID > 0 && procStart(st.OwnerPID) == st.OwnerStart && st.OwnerStart != 0
}

// Undo kills every recorded process still running (SIGKILL to its group),
// forces off mounts, deletes namespaces and links, and removes
// directories. It is idempotent and returns every problem it met, not
// just the first.
func (st *State) Undo() error {
	var errs []error
	for _, p := range st.Procs {
		if p.PID <= 0 || procStart(p.PID) != p.Start {
			continue // gone, or the pid now belongs to someone else
		}
		if p.Group {
			syscall.Kill(-p.PID, syscall.SIGKILL)
		}
		if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %s (%d): %w", p.Name, p.PID, err))
		}
	}
	for _, m := range st.Mounts {
		if err := lazyfs.ForceUnmount(m.Path, m.Conn); err != nil {
			errs = append(errs, err)
		}
	}
	for _, ns := range st.Netns {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
			errs = append(errs, fmt.Errorf("ip netns del %s: %v: %s", ns, err, out))
		}
	}
	for _, l := range st.Links {
		if out, err := exec.Command("ip", "link", "del", l).CombinedOutput(); err != nil && !strings.Contains(string(out), "Cannot find device") {
			errs = append(errs, fmt.Errorf("ip link del %s: %v: %s", l, err, out))
		}
	}
	for _, d := range st.Dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CleanupPath undoes the state file at path and removes it. A state whose
// owner is still alive is left alone unless force is set.
func CleanupPath(path string, force bool) error {
	st, err := ReadState(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.OwnerAlive() && !force {
		return fmt.Errorf("%s: run %s is still running as pid %d (use --force)", path, st.Campaign, st.OwnerPID)
	}
	if err := st.Undo(); err != nil {
		return err
	}
	return os.Remove(path)
}

// procStart returns the kernel start time (clock ticks since boot) of pid,
// or 0 if it does not exist. Together with the pid it names one process.
func procStart(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Field 2 (comm) may contain spaces; the fields after it are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0
	}
	if f[0] == "Z" {
		return 0 // a zombie is already dead
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

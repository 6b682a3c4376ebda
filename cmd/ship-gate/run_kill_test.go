package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/phases"
)

// buildBinaries compiles ship-gate and ai-memory from this checkout.
func buildBinaries(t *testing.T) (shipGate, aiMemory string) {
	t.Helper()
	dir := t.TempDir()
	shipGate, aiMemory = filepath.Join(dir, "ship-gate"), filepath.Join(dir, "ai-memory")
	for pkg, out := range map[string]string{".": shipGate, "../ai-memory": aiMemory} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	return shipGate, aiMemory
}

// TestSIGKILLMidCampaignLeavesNothing kills ship-gate with SIGKILL while
// phase 3 has both a node and PostgreSQL running, then requires every
// process it started to be gone and its temporary directory removed.
func TestSIGKILLMidCampaignLeavesNothing(t *testing.T) {
	cmd, out, statePath, snap := startUntilBusy(t, "killed")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// Nodes die by parent-death signal, postgres by its own; the reaper
	// removes the directory and the state file.
	requireNothingLeft(t, out, statePath, snap)
}

// TestSIGTERMTearsDownAndFailsClosed interrupts a run: it must tear down,
// still write its evidence, and record a failed, interrupted campaign.
func TestSIGTERMTearsDownAndFailsClosed(t *testing.T) {
	cmd, out, statePath, snap := startUntilBusy(t, "interrupted")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("interrupted run exited with %v, want status 1", err)
	}
	requireNothingLeft(t, out, statePath, snap)
	s, err := phases.Aggregate(filepath.Join(out, "interrupted"))
	if err != nil {
		t.Fatal(err)
	}
	if s.OverallPass || !strings.Contains(strings.Join(s.Reasons, " "), "interrupted by signal") {
		t.Fatalf("interrupted run summary: pass=%v reasons=%v", s.OverallPass, s.Reasons)
	}
}

// startUntilBusy starts a campaign (phases 1 and 3) and returns once a node
// and PostgreSQL run at the same time, with a snapshot of its state file.
func startUntilBusy(t *testing.T, id string) (*exec.Cmd, string, string, *cluster.State) {
	t.Helper()
	sg, aim := buildBinaries(t)
	out, stateDir := t.TempDir(), t.TempDir()
	cmd := exec.Command(sg, "run", "--phases", "1,3", "--binary", aim, "--out", out, "--campaign-id", id,
		"--state-dir", stateDir, "--deadline", "3m")
	logf, _ := os.Create(filepath.Join(t.TempDir(), "ship-gate.log"))
	t.Cleanup(func() { logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	statePath := filepath.Join(stateDir, id+".json")
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		st, err := cluster.ReadState(statePath)
		if err == nil && has(st, "postgres") && has(st, "ai-memory serve") && len(st.Dirs) > 0 {
			return cmd, out, statePath, st
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("never saw postgres and a node running together; log:\n%s", b)
	return nil, "", "", nil
}

func requireNothingLeft(t *testing.T, out, statePath string, snap *cluster.State) {
	t.Helper()
	work := snap.Dirs[0]
	deadline := time.Now().Add(20 * time.Second)
	var alive []string
	for time.Now().Before(deadline) {
		alive = alive[:0]
		for _, p := range snap.Procs {
			if running(p.PID) {
				alive = append(alive, p.Name+"/"+strconv.Itoa(p.PID))
			}
		}
		alive = append(alive, procsMentioning(work)...)
		_, dirErr := os.Stat(work)
		_, stErr := os.Stat(statePath)
		if len(alive) == 0 && os.IsNotExist(dirErr) && os.IsNotExist(stErr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, dirErr := os.Stat(work)
	t.Fatalf("after SIGKILL: still running %v; work dir stat: %v", alive, dirErr)
}

func has(st *cluster.State, prefix string) bool {
	for _, p := range st.Procs {
		if strings.HasPrefix(p.Name, prefix) && running(p.PID) {
			return true
		}
	}
	return false
}

// running reports a live, non-zombie process.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// procsMentioning lists live processes whose command line names path:
// anything the run started works inside its temporary directory.
func procsMentioning(path string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), path) && running(pid) {
			out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

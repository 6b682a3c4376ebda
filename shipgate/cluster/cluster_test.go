package cluster

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
)

var aiMemory string // built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cluster-test-")
	if err != nil {
		panic(err)
	}
	_, file, _, _ := runtime.Caller(0)
	aiMemory = filepath.Join(dir, "ai-memory")
	b := exec.Command("go", "build", "-o", aiMemory, "./cmd/ai-memory")
	b.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := b.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("build ai-memory: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newSup(t *testing.T) *Supervisor {
	t.Helper()
	s, err := NewSupervisor(filepath.Join(t.TempDir(), "state.json"), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSupervisorKillAndCost(t *testing.T) {
	s := newSup(t)
	p, err := s.Start(ProcSpec{Name: "sleep", Path: "/bin/sh", Args: []string{"-c", "sleep 30 & wait"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := ReadState(s.StatePath())
	if len(st.Procs) != 1 || st.Procs[0].PID != p.PID() || st.Procs[0].Start == 0 {
		t.Fatalf("state does not record the process: %+v", st.Procs)
	}
	if pg, _ := syscall.Getpgid(p.PID()); pg != p.PID() {
		t.Fatalf("child is not its own process group leader: pgid %d", pg)
	}
	p.Kill()
	if !p.Exited() {
		t.Fatal("not reaped after Kill")
	}
	st, _ = ReadState(s.StatePath())
	if len(st.Procs) != 0 {
		t.Fatalf("reaped process still in state: %+v", st.Procs)
	}
	if c := s.Cost(); c.Processes != 1 || c.PeakRSSBytes <= 0 || c.PeakRSSBytes > 64<<20 {
		t.Fatalf("cost: %+v", s.Cost())
	}
}

func TestUndoSkipsRecycledPID(t *testing.T) {
	// A record whose start time does not match the live process is never
	// signalled: that pid belongs to someone else now.
	self := os.Getpid()
	st := &State{Procs: []ProcRecord{{Name: "impostor", PID: self, Start: procStart(self) + 1}}}
	if err := st.Undo(); err != nil {
		t.Fatal(err)
	}
	// Still alive, obviously, or this line would not run.
}

func TestCleanupPathUndoesDeadRun(t *testing.T) {
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	os.MkdirAll(work, 0o755)
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	path := filepath.Join(dir, "run.json")
	st := &State{Campaign: "dead", OwnerPID: 1 << 30, Dirs: []string{work},
		Procs: []ProcRecord{{Name: "sleep", PID: cmd.Process.Pid, Start: procStart(cmd.Process.Pid), Group: true}}}
	if err := writeState(path, st); err != nil {
		t.Fatal(err)
	}
	if err := CleanupPath(path, false); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("recorded process survived cleanup")
	}
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Fatal("recorded directory survived cleanup")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("state file survived cleanup")
	}
	// A live owner is left alone without --force.
	st.OwnerPID, st.OwnerStart = os.Getpid(), procStart(os.Getpid())
	writeState(path, st)
	if err := CleanupPath(path, false); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("cleanup of a live run: %v", err)
	}
}

func nodeOpts() NodeOptions {
	return NodeOptions{Binary: aiMemory, StartTimeout: 15 * time.Second, HealthPoll: 10 * time.Millisecond, StopGrace: 5 * time.Second}
}

func TestNodeStartKillRestart(t *testing.T) {
	s := newSup(t)
	ctx := context.Background()
	cl, err := New(ctx, s, Local{}, Spec{Names: []string{"a"}, Dir: t.TempDir(), Node: nodeOpts(), HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Kill()
	start := time.Now()
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("node healthy in %s", time.Since(start))
	n := cl.Nodes[0]
	w := n.Client.Create(ctx, "ai:test", api.Memory{Title: "t", Content: "c", Tier: "mid", Namespace: "ns", Priority: 5, Confidence: 1, Source: "api"})
	if w.Outcome != api.OK {
		t.Fatalf("write: %+v", w)
	}
	pid := n.PID()
	n.Kill()
	if n.Alive() || running(pid) {
		t.Fatal("node alive after Kill")
	}
	if w2 := n.Client.Create(ctx, "ai:test", api.Memory{Title: "u", Content: "c", Tier: "mid", Namespace: "ns", Source: "api", Priority: 5, Confidence: 1}); w2.Outcome != api.Fail {
		t.Fatalf("write to a dead node must be a definite fail, got %+v", w2)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := n.Client.Exists(ctx, w.ID); !ok || err != nil {
		t.Fatalf("memory lost across SIGKILL: %v %v", ok, err)
	}
	if err := n.Pause(); err != nil {
		t.Fatal(err)
	}
	hctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if err := n.Client.Health(hctx); err == nil {
		t.Fatal("SIGSTOPped node answered")
	}
	cancel()
	n.Resume()
	if err := n.Client.Health(ctx); err != nil {
		t.Fatalf("after SIGCONT: %v", err)
	}
}

func TestNodeStartFailureQuotesLog(t *testing.T) {
	s := newSup(t)
	ctx := context.Background()
	opts := nodeOpts()
	opts.Extra = []string{"--no-such-flag"}
	cl, err := New(ctx, s, Local{}, Spec{Names: []string{"a"}, Dir: t.TempDir(), Node: opts, HTTPTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Kill()
	err = cl.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("want a startup error quoting the log, got %v", err)
	}
}

func TestLocalPartitionCutsPeerLinks(t *testing.T) {
	s := newSup(t)
	ctx := context.Background()
	cl, err := New(ctx, s, Local{}, Spec{Names: []string{"a", "b", "c"}, Dir: t.TempDir(), Node: nodeOpts(), HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Kill()
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Peer URLs are proxies, distinct from the nodes' own addresses.
	a := cl.Nodes[0]
	if len(a.Peers) != 2 || strings.Contains(strings.Join(a.Peers, ","), a.URL) {
		t.Fatalf("peers %v for %s", a.Peers, a.URL)
	}
	// Generous for links that must pass (a loaded CI machine is slow);
	// a blackholed link never answers, however long we wait.
	viaPeer := func(url string) error {
		c := &http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(url + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for _, p := range a.Peers {
		if err := viaPeer(p); err != nil {
			t.Fatalf("peer link %s before partition: %v", p, err)
		}
	}
	if err := cl.Partition(a); err != nil {
		t.Fatal(err)
	}
	for _, n := range cl.Nodes {
		for _, p := range n.Peers {
			err := viaPeer(p)
			touchesA := n == a || isLinkTo(cl, p, a)
			if touchesA && err == nil {
				t.Fatalf("link %s of %s still passes during partition of a", p, n.Name)
			}
			if !touchesA && err != nil {
				t.Fatalf("link %s of %s cut though it does not touch a: %v", p, n.Name, err)
			}
		}
	}
	// The harness still reaches every node directly.
	if err := a.Client.Health(ctx); err != nil {
		t.Fatalf("harness lost node a: %v", err)
	}
	cl.Net.Heal()
	for _, p := range a.Peers {
		if err := viaPeer(p); err != nil {
			t.Fatalf("peer link %s after heal: %v", p, err)
		}
	}
}

// isLinkTo reports whether peer URL p (a proxy) forwards to node n.
func isLinkTo(cl *Cluster, p string, n *Node) bool {
	nw := cl.Net.(*localNet)
	for i := range nw.links {
		for j, pr := range nw.links[i] {
			if pr != nil && "http://"+pr.Addr() == p {
				return cl.Nodes[j] == n
			}
		}
	}
	return false
}

func running(pid int) bool { return procStart(pid) != 0 }

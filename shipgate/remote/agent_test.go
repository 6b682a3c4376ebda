package remote

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/lazyfs"
	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// The test binary is also the agent's disk server: the agent runs its own
// executable with `lazyfs --backing B --mount M`, as ship-gate would.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "lazyfs" {
		fs := flag.NewFlagSet("lazyfs", flag.ExitOnError)
		backing, mount := fs.String("backing", "", ""), fs.String("mount", "", "")
		fs.Parse(os.Args[2:])
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		if err := lazyfs.Serve(*backing, *mount, os.Stdin, os.Stdout, stop); err != nil {
			os.Stderr.WriteString("lazyfs: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testAgent is an agent served in this process over pipes.
type testAgent struct {
	t    *testing.T
	root string
	in   io.WriteCloser
	out  *bufio.Scanner
	done chan error
	next int64
}

func startAgent(t *testing.T) *testAgent {
	t.Helper()
	root := filepath.Join(t.TempDir(), "data", "campaign")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	a := &testAgent{t: t, root: root, in: inW, out: bufio.NewScanner(outR), done: make(chan error, 1)}
	go func() {
		a.done <- ServeAgent(AgentConfig{Root: root, RemoveParent: true, DeadMan: time.Minute}, inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() { inW.Close(); go io.Copy(io.Discard, outR); <-a.done })
	if r := a.read(); r.Event != "ready" {
		t.Fatalf("first line %+v, want ready", r)
	}
	return a
}

func (a *testAgent) read() Response {
	a.t.Helper()
	if !a.out.Scan() {
		a.t.Fatalf("agent output ended: %v", a.out.Err())
	}
	var r Response
	if err := json.Unmarshal(a.out.Bytes(), &r); err != nil {
		a.t.Fatal(err)
	}
	return r
}

// do sends r and returns its answer, skipping events.
func (a *testAgent) do(r Request) Response {
	a.t.Helper()
	a.next++
	r.ID = a.next
	b, _ := json.Marshal(r)
	if _, err := a.in.Write(append(b, '\n')); err != nil {
		a.t.Fatal(err)
	}
	for {
		if resp := a.read(); resp.Event == "" && resp.ID == r.ID {
			return resp
		}
	}
}

func (a *testAgent) must(r Request) Response {
	a.t.Helper()
	resp := a.do(r)
	if resp.Error != "" {
		a.t.Fatalf("%s: %s", r.Op, resp.Error)
	}
	return resp
}

// endSession closes the agent's stdin, as sshd does when the harness dies,
// and waits for the agent to finish its cleanup.
func (a *testAgent) endSession() error {
	a.in.Close()
	go func() {
		for a.out.Scan() {
		}
	}()
	select {
	case err := <-a.done:
		a.done <- err // for the test's cleanup
		return err
	case <-time.After(30 * time.Second):
		a.t.Fatal("agent still running 30 s after its stdin ended")
		return nil
	}
}

func haveFUSE() bool {
	_, err := os.Stat("/dev/fuse")
	return os.Geteuid() == 0 && err == nil
}

// alive reports a live, non-zombie process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}

func itoa(i int) string { return strconv.Itoa(i) }

// When the harness's session ends, the agent kills the process it started
// (and the one that process started), unmounts the disk layer, closes its
// proxies and removes the campaign directory and the data dir it owns.
func TestAgentTearsDownWhatItMadeWhenTheSessionEnds(t *testing.T) {
	a := startAgent(t)
	dir := filepath.Join(a.root, "n", "node-a")
	a.must(Request{Op: OpMkdir, Dir: dir})
	// A shell whose child would outlive it if only the shell were killed.
	start := a.must(Request{Op: OpStart, Path: "/bin/sh", Args: []string{"-c", "sleep 300 & echo $! > child; wait"},
		Dir: dir, Log: filepath.Join(dir, "log")})
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dir, "child"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 {
		t.Fatal("the started shell never wrote its child's pid")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	link := a.must(Request{Op: OpProxy, Target: ln.Addr().String()}).Text
	mount := filepath.Join(dir, "data")
	if haveFUSE() {
		a.must(Request{Op: OpDiskStart, Path: filepath.Join(dir, "disk"), Dir: mount, Log: filepath.Join(dir, "lazyfs.log")})
		if err := os.WriteFile(filepath.Join(mount, "f"), []byte("unsynced"), 0o644); err != nil {
			t.Fatal(err)
		}
		if ok, _ := lazyfs.Mounted(mount); !ok {
			t.Fatal("disk_start answered but nothing is mounted")
		}
	} else {
		t.Log("no FUSE here (needs root and /dev/fuse): the disk layer's teardown is not covered")
	}
	if err := a.endSession(); err != nil {
		t.Fatalf("cleanup: %v", err)
	}
	for _, pid := range []int{start.PID, child} {
		if alive(pid) {
			t.Errorf("pid %d still runs", pid)
		}
	}
	if ok, _ := lazyfs.Mounted(mount); ok {
		t.Errorf("%s still mounted", mount)
	}
	if c, err := net.DialTimeout("tcp", link, time.Second); err == nil {
		c.Close()
		t.Errorf("proxy %s still accepts", link)
	}
	if _, err := os.Stat(filepath.Dir(a.root)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir still there: %v", err)
	}
}

// Everything the agent makes lies under its campaign directory, or it
// could not remove it all.
func TestAgentRefusesPathsOutsideItsDirectory(t *testing.T) {
	a := startAgent(t)
	out := t.TempDir()
	for _, r := range []Request{
		{Op: OpMkdir, Dir: out + "/x"},
		{Op: OpMkdir, Dir: a.root + "/../escape"},
		{Op: OpStart, Path: "/bin/true", Dir: out, Log: a.root + "/log"},
		{Op: OpStart, Path: "/bin/true", Dir: a.root, Log: out + "/log"},
		{Op: OpDiskStart, Path: out + "/disk", Dir: a.root + "/data", Log: a.root + "/log"},
		{Op: OpNft, Table: "not_ours", Rules: "table inet not_ours {}"},
	} {
		if resp := a.do(r); resp.Error == "" {
			t.Errorf("%s %+v accepted", r.Op, r)
		}
	}
	if _, err := os.Stat(out + "/x"); err == nil {
		t.Error("mkdir outside the campaign directory happened")
	}
}

// A request that arrives once cleanup has begun is refused: it could add
// a process or a table after cleanup took its list.
func TestAgentRefusesAdditionsOnceTearingDown(t *testing.T) {
	a := &agent{cfg: AgentConfig{Root: filepath.Join(t.TempDir(), "c")}, procs: map[int]*exec.Cmd{}, tables: map[string]bool{},
		proxies: map[string]*proxy.Proxy{}, disks: map[string]*agentDisk{}}
	if err := a.adding(func() error { return nil }); err != nil {
		t.Fatalf("before cleanup: %v", err)
	}
	if err := a.cleanup(false); err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := a.adding(func() error { ran = true; return nil }); !errors.Is(err, errClosing) || ran {
		t.Fatalf("after cleanup: %v (ran %v)", err, ran)
	}
}

// The agent's proxies lose answers when told to, count them, and pass
// again when healed.
func TestAgentProxyLosesAnswersAndCountsThem(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	a := startAgent(t)
	addr := a.must(Request{Op: OpProxy, Target: ln.Addr().String()}).Text
	get := func() error {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("pass: %v", err)
	}
	a.must(Request{Op: OpProxySet, Addr: addr, Mode: "drop_responses", Prob: 1})
	if err := get(); err == nil {
		t.Fatal("an answer came through a link losing every answer")
	}
	if n := a.must(Request{Op: OpProxyDropped, Addr: addr}).N; n < 1 {
		t.Fatalf("dropped %d answers, want at least 1", n)
	}
	a.must(Request{Op: OpProxySet, Addr: addr, Mode: "delay", Delay: int64(300 * time.Millisecond)})
	start := time.Now()
	if err := get(); err != nil || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("delay: %v after %s", err, time.Since(start))
	}
	a.must(Request{Op: OpProxySet, Addr: addr, Mode: "pass"})
	if err := get(); err != nil {
		t.Fatalf("healed: %v", err)
	}
	if resp := a.do(Request{Op: OpProxySet, Addr: addr, Mode: "bogus"}); resp.Error == "" {
		t.Fatal("unknown proxy mode accepted")
	}
}

// SIGSTOP is answered only once the kernel shows the process stopped.
func TestAgentPauseAnswersOnceStopped(t *testing.T) {
	a := startAgent(t)
	p := a.must(Request{Op: OpStart, Path: "/bin/sleep", Args: []string{"300"}, Dir: a.root, Log: a.root + "/log"}).PID
	a.must(Request{Op: OpSignal, PID: p, Sig: int(syscall.SIGSTOP)})
	b, err := os.ReadFile("/proc/" + itoa(p) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.LastIndexByte(string(b), ')'); b[i+2] != 'T' {
		t.Fatalf("answered while the process is in state %c", b[i+2])
	}
	a.must(Request{Op: OpSignal, PID: p, Sig: int(syscall.SIGCONT)})
	if resp := a.do(Request{Op: OpSignal, PID: os.Getpid(), Sig: int(syscall.SIGSTOP)}); resp.Error == "" {
		t.Fatal("the agent signalled a process it did not start")
	}
}

// A request the harness sent just before it died may land after the
// first removal (an SFTP mkdir and file): the agent removes the campaign
// directory again before it exits.
func TestAgentRemovesWhatLandsJustAfterTheSessionEnds(t *testing.T) {
	a := startAgent(t)
	a.must(Request{Op: OpMkdir, Dir: filepath.Join(a.root, "n")})
	landed := make(chan error, 1)
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if _, err := os.Stat(a.root); errors.Is(err, os.ErrNotExist) {
				time.Sleep(100 * time.Millisecond)
				late := filepath.Join(a.root, "n", "late")
				if err := os.MkdirAll(late, 0o755); err != nil {
					landed <- err
					return
				}
				landed <- os.WriteFile(filepath.Join(late, "ai-memory.db"), []byte("x"), 0o644)
				return
			}
		}
		landed <- errors.New("the campaign directory was never removed")
	}()
	if err := a.endSession(); err != nil {
		t.Fatal(err)
	}
	if err := <-landed; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(a.root)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("what landed after the first removal is still there: %v", err)
	}
}

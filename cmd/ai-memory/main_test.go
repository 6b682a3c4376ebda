package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asCLI in a child's environment makes this test binary run main: the
// tests that need ai-memory as a process of its own (see command) start
// this binary, the same code, instead of building one.
const asCLI = "AI_MEMORY_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) != "" {
		main()
	}
	os.Exit(m.Run())
}

// result is one finished CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the command line in this process with exactly env as its
// environment.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return result{out.String(), errb.String(), code}
}

// run runs the CLI on db in this process, with a clean environment.
func run(t *testing.T, db, stdin string, args ...string) result {
	t.Helper()
	return cli(t, map[string]string{"HOME": t.TempDir()}, stdin, append([]string{"--db", db}, args...)...)
}

// runJSON runs with --json, requires success and decodes stdout.
func runJSON(t *testing.T, db string, args ...string) map[string]any {
	t.Helper()
	r := run(t, db, "", append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v: stdout is not JSON: %q", args, r.stdout)
	}
	return v
}

// command is ai-memory args as a process of its own (this test binary
// running main, see TestMain) with a clean environment. Only tests that
// need a process use it: a server killed with SIGKILL or traced by pid,
// two servers locking one file, restore refusing a database another
// process holds, bench starting children of its own executable.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = []string{asCLI + "=1", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	return cmd
}

// runProcess is run in a process of its own (see command).
func runProcess(t *testing.T, db string, args ...string) result {
	t.Helper()
	cmd := command(t, append([]string{"--db", db}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// server is a running `ai-memory serve`: in this process, or a process of
// its own (cmd) for the tests that kill it.
type server struct {
	cmd *exec.Cmd
	url string
}

func serveArgs(db string, extra []string) []string {
	return append([]string{"--db", db, "serve", "--host", "127.0.0.1", "--port", "0", "--json", "--log-level", "warn"}, extra...)
}

// startServe runs serve in this process on a free loopback port until the
// test ends (it cancels Run's context), and waits for health.
func startServe(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, w := io.Pipe()
	exited := make(chan int, 1)
	env := map[string]string{"HOME": t.TempDir()}
	go func() {
		code := Run(ctx, serveArgs(db, extra), strings.NewReader(""), w, os.Stderr, func(k string) string { return env[k] })
		w.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop within 40s of its context's end")
		}
	})
	return &server{url: awaitServe(t, stdout)}
}

// startServeProcess runs serve as a process of its own (see command).
func startServeProcess(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	cmd := command(t, serveArgs(db, extra)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return &server{cmd: cmd, url: awaitServe(t, stdout)}
}

// awaitServe reads the address serve announces on its first line of
// stdout, then drains the rest, and checks health.
func awaitServe(t *testing.T, stdout io.Reader) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	var hello struct{ Listening string }
	select {
	case line, ok := <-lines:
		if !ok || json.Unmarshal([]byte(line), &hello) != nil || hello.Listening == "" {
			t.Fatalf("serve did not announce its address: %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start within 30s")
	}
	resp, err := http.Get(hello.Listening + "/api/v1/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	return hello.Listening
}

// kill sends sig to a server process and waits for it to end.
func (s *server) kill(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if s.cmd == nil {
		t.Fatal("kill: this server runs in the test process; start it with startServeProcess")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not exit")
		return nil
	}
}

func httpJSON(t *testing.T, method, url string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// Restart survival: a memory stored by the CLI and one acknowledged over
// HTTP both survive kill -9 of the server (a process, to be killed).
func TestRestartSurvival(t *testing.T) {
	db := filepath.Join(t.TempDir(), "survive.db")
	cliID := runJSON(t, db, "store", "-T", "from the cli", "-c", "written before serve", "-n", "proj")["id"].(string)

	s := startServeProcess(t, db)
	code, got := httpJSON(t, "GET", s.url+"/api/v1/memories/"+cliID, nil)
	if code != 200 {
		t.Fatalf("served process cannot see the CLI write: %d %v", code, got)
	}
	code, created := httpJSON(t, "POST", s.url+"/api/v1/memories", map[string]any{"title": "over http", "content": "acked then killed"})
	if code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	httpID := created["id"].(string)
	s.kill(t, syscall.SIGKILL)

	s2 := startServeProcess(t, db)
	for _, id := range []string{cliID, httpID} {
		if code, got := httpJSON(t, "GET", s2.url+"/api/v1/memories/"+id, nil); code != 200 {
			t.Fatalf("memory %s lost after kill -9: %d %v", id, code, got)
		}
	}
	// The node id is stable across restarts.
	_, h1 := httpJSON(t, "GET", s2.url+"/api/v1/health", nil)
	if err := s2.kill(t, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM exit: %v", err)
	}
	s3 := startServeProcess(t, db)
	_, h2 := httpJSON(t, "GET", s3.url+"/api/v1/health", nil)
	if h1["node_id"] == "" || h1["node_id"] != h2["node_id"] {
		t.Fatalf("node id changed: %v -> %v", h1["node_id"], h2["node_id"])
	}
	if r := runJSON(t, db, "get", httpID); r["memory"].(map[string]any)["content"] != "acked then killed" {
		t.Fatalf("CLI get after restart: %v", r)
	}
}

// Two server processes on one database file each take 5000 writes at the
// same time: 10000 rows after, zero errors. Each process gets 500 single
// POSTs from its own clients while 4500 more arrive as bulk requests of 100
// (keeping the run short: with single writes only, two processes spend most
// of their time in SQLite's busy back-off, see the report). The servers
// are processes: what is tested is two processes sharing one file.
func TestTwoProcessesOneFile(t *testing.T) {
	const perServer, singles, bulkSize, clients = 5000, 500, 100, 4
	db := filepath.Join(t.TempDir(), "shared.db")
	runJSON(t, db, "stats") // create the file and schema before the race
	servers := []*server{startServeProcess(t, db), startServeProcess(t, db)}
	var wg sync.WaitGroup
	errs := make(chan string, 4*clients)
	post := func(client *http.Client, url, body string) string {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return err.Error()
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			return fmt.Sprintf("%s: %d %s", url, resp.StatusCode, b)
		}
		return ""
	}
	item := func(si, i int) string {
		return fmt.Sprintf(`{"title":"s%d-%d","content":"process %d write %d","namespace":"race"}`, si, i, si, i)
	}
	for si, s := range servers {
		for c := range clients {
			wg.Add(2)
			go func() { // single writes
				defer wg.Done()
				client := &http.Client{Timeout: 60 * time.Second}
				for i := c; i < singles; i += clients {
					if e := post(client, s.url+"/api/v1/memories", item(si, i)); e != "" {
						errs <- e
						return
					}
				}
			}()
			go func() { // bulk writes
				defer wg.Done()
				client := &http.Client{Timeout: 60 * time.Second}
				for start := singles + c*bulkSize; start < perServer; start += clients * bulkSize {
					items := make([]string, 0, bulkSize)
					for i := start; i < min(start+bulkSize, perServer); i++ {
						items = append(items, item(si, i))
					}
					if e := post(client, s.url+"/api/v1/memories/bulk", "["+strings.Join(items, ",")+"]"); e != "" {
						errs <- e
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		return
	}
	st := runJSON(t, db, "stats")
	if st["total"] != 10000.0 {
		t.Fatalf("total %v, want 10000", st["total"])
	}
	// Each process lists every row, its own and the other's, each once.
	for _, s := range servers {
		seen, cursor := map[string]bool{}, ""
		for range 20 {
			code, page := httpJSON(t, "GET", s.url+"/api/v1/memories?namespace=race&limit=1000&cursor="+cursor, nil)
			if code != 200 {
				t.Fatalf("list: %d %v", code, page)
			}
			for _, m := range page["memories"].([]any) {
				seen[m.(map[string]any)["title"].(string)] = true
			}
			if page["has_more"] != true {
				break
			}
			cursor = page["next_cursor"].(string)
		}
		if len(seen) != 10000 {
			t.Fatalf("%s lists %d distinct titles, want 10000", s.url, len(seen))
		}
	}
}

func httpPost(url, body string) (int, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

package main

import (
	"bufio"
	"bytes"
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

// binPath is the ai-memory binary built once for every test in this file.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ai-memory-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "ai-memory")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=7.7.7-test", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ai-memory:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// run executes the binary with a clean environment pointing at db.
func run(t *testing.T, db, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"--db", db}, args...)...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	cmd.Stdin = strings.NewReader(stdin)
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

// server is a running `ai-memory serve` process.
type server struct {
	cmd *exec.Cmd
	url string
}

// startServe launches serve on a free loopback port and waits for health.
func startServe(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	args := append([]string{"--db", db, "serve", "--host", "127.0.0.1", "--port", "0", "--json", "--log-level", "warn"}, extra...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
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
	s := &server{cmd: cmd, url: hello.Listening}
	resp, err := http.Get(s.url + "/api/v1/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	return s
}

// kill sends sig and waits for the process to end.
func (s *server) kill(t *testing.T, sig syscall.Signal) error {
	t.Helper()
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
// HTTP both survive kill -9 of the server.
func TestRestartSurvival(t *testing.T) {
	db := filepath.Join(t.TempDir(), "survive.db")
	cliID := runJSON(t, db, "store", "-T", "from the cli", "-c", "written before serve", "-n", "proj")["id"].(string)

	s := startServe(t, db)
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

	s2 := startServe(t, db)
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
	s3 := startServe(t, db)
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
// of their time in SQLite's busy back-off, see the report).
func TestTwoProcessesOneFile(t *testing.T) {
	const perServer, singles, bulkSize, clients = 5000, 500, 100, 4
	db := filepath.Join(t.TempDir(), "shared.db")
	runJSON(t, db, "stats") // create the file and schema before the race
	servers := []*server{startServe(t, db), startServe(t, db)}
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

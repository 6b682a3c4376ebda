package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// aiMemoryBinary builds cmd/ai-memory once per test run.
func aiMemoryBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ai-memory-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ai-memory")
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", binPath, "../cmd/ai-memory")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// stdioClient speaks raw newline-delimited JSON-RPC to `ai-memory mcp`.
type stdioClient struct {
	t      testing.TB
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan []byte
	stderr *bytes.Buffer
}

func startMCP(t testing.TB, db string, env []string, args ...string) *stdioClient {
	t.Helper()
	cmd := exec.Command(aiMemoryBinary(t), append([]string{"--db", db, "mcp"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &stdioClient{t: t, cmd: cmd, in: in, lines: make(chan []byte, 64), stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			c.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return c
}

// send writes one raw line.
func (c *stdioClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatalf("write: %v (stderr: %s)", err, c.stderr)
	}
}

// next reads the next message, failing after a timeout.
func (c *stdioClient) next() map[string]any {
	c.t.Helper()
	select {
	case line, open := <-c.lines:
		if !open {
			c.t.Fatalf("server closed stdout (stderr: %s)", c.stderr)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			c.t.Fatalf("server wrote non-JSON %q", line)
		}
		return m
	case <-time.After(15 * time.Second):
		c.t.Fatalf("no reply within 15s (stderr: %s)", c.stderr)
	}
	return nil
}

// request sends a request and returns its response, which must be the next
// message (requests here are sequential, so nothing else is in flight).
func (c *stdioClient) request(id int, method string, params any) map[string]any {
	c.t.Helper()
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	b, _ := json.Marshal(msg)
	c.send(string(b))
	resp := c.next()
	if num(resp, "id") != id {
		c.t.Fatalf("reply %v does not answer request %d", resp, id)
	}
	return resp
}

func (c *stdioClient) initialize(version string) map[string]any {
	c.t.Helper()
	return c.request(1, "initialize", map[string]any{"protocolVersion": version, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "e2e", "version": "1"}})
}

// tool calls a tool and returns the result object.
func (c *stdioClient) tool(id int, name string, args map[string]any) map[string]any {
	c.t.Helper()
	resp := c.request(id, "tools/call", map[string]any{"name": name, "arguments": args})
	if resp["error"] != nil {
		c.t.Fatalf("%s: protocol error %v", name, resp["error"])
	}
	return resp["result"].(map[string]any)
}

func (c *stdioClient) toolOK(id int, name string, args map[string]any) map[string]any {
	c.t.Helper()
	res := c.tool(id, name, args)
	if res["isError"] == true {
		c.t.Fatalf("%s failed: %v", name, res["content"])
	}
	return res["structuredContent"].(map[string]any)
}

func TestStdioBinaryNegotiatesVersions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	for _, c := range []struct{ ask, want string }{
		{"2024-11-05", "2024-11-05"},
		{"2025-03-26", "2025-03-26"},
		{"2025-06-18", "2025-06-18"},
		{"2025-11-25", "2025-11-25"},
		{"1999-01-01", "2025-11-25"}, // unsupported: the newest
	} {
		cl := startMCP(t, db, nil)
		res := cl.initialize(c.ask)
		if got := str(res, "result", "protocolVersion"); got != c.want {
			t.Fatalf("asked %s, got %s; want %s", c.ask, got, c.want)
		}
		if str(res, "result", "serverInfo", "name") != "ai-memory" || path(res, "result", "capabilities", "tools") == nil ||
			path(res, "result", "capabilities", "logging") != nil {
			t.Fatalf("initialize result %v", res)
		}
	}
}

func TestStdioBinaryAgentSession(t *testing.T) {
	cl := startMCP(t, filepath.Join(t.TempDir(), "s.db"), []string{"AI_MEMORY_AGENT_ID=env-agent"}, "--agent-id", "flag-agent")
	cl.initialize("2025-06-18")
	// A notification gets no reply: the next message answers the ping.
	cl.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if p := cl.request(2, "ping", nil); p["result"] == nil {
		t.Fatalf("ping = %v", p)
	}

	var names []string
	cursor, pages := "", 0
	for id := 10; ; id++ {
		var params map[string]any
		if cursor != "" {
			params = map[string]any{"cursor": cursor}
		}
		res := cl.request(id, "tools/list", params)
		for _, tl := range list(res, "result", "tools") {
			names = append(names, str(tl, "name"))
		}
		pages++
		if cursor = str(res, "result", "nextCursor"); cursor == "" {
			break
		}
	}
	if len(names) < 36 || pages != 1 {
		t.Fatalf("%d tools in %d pages; want >= 36 in one page", len(names), pages)
	}

	a := cl.toolOK(20, "memory_store", map[string]any{"title": "Retry policy", "content": "retry HTTP 503 with exponential backoff", "namespace": "svc"})
	id := str(a, "id")
	if str(a, "memory", "agent_id") != "flag-agent" {
		t.Fatalf("--agent-id not stamped: %v", a)
	}
	rec := cl.toolOK(21, "memory_recall", map[string]any{"context": "what is the retry backoff policy", "namespace": "svc"})
	if str(rec, "memories", 0, "id") != id {
		t.Fatalf("recall did not find the memory: %v", rec)
	}
	if u := cl.toolOK(22, "memory_update", map[string]any{"id": id, "priority": 9}); num(u, "memory", "priority") != 9 {
		t.Fatalf("update = %v", u)
	}
	b := cl.toolOK(23, "memory_store", map[string]any{"title": "Circuit breaker", "content": "open after 5 failures", "namespace": "svc"})
	cl.toolOK(24, "memory_link", map[string]any{"source_id": str(b, "id"), "target_id": id, "relation": "related_to"})
	if l := cl.toolOK(25, "memory_get_links", map[string]any{"id": id}); num(l, "count") != 1 || str(l, "links", 0, "source_id") != str(b, "id") {
		t.Fatalf("get_links = %v", l)
	}
	if d := cl.toolOK(26, "memory_delete", map[string]any{"id": id}); path(d, "deleted") != true {
		t.Fatalf("delete = %v", d)
	}
	gone := cl.tool(27, "memory_get", map[string]any{"id": id})
	if gone["isError"] != true || !strings.Contains(str(gone, "content", 0, "text"), "not found") {
		t.Fatalf("get after delete = %v; want isError not found", gone)
	}

	// Bad input: each gets its own error and the session goes on.
	cl.send(`{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{`)
	if e := cl.next(); num(e, "error", "code") != -32700 || path(e, "id") != nil {
		t.Fatalf("malformed JSON answered %v; want -32700 with null id", e)
	}
	wrong := cl.tool(31, "memory_store", map[string]any{"title": 42, "content": "x"})
	if wrong["isError"] != true || !strings.Contains(str(wrong, "content", 0, "text"), "title") {
		t.Fatalf("wrong-typed argument = %v", wrong)
	}
	if u := cl.request(32, "tools/call", map[string]any{"name": "memory_teleport", "arguments": map[string]any{}}); num(u, "error", "code") != -32602 {
		t.Fatalf("unknown tool = %v; want -32602", u)
	}
	if u := cl.request(33, "memory/teleport", nil); num(u, "error", "code") != -32601 {
		t.Fatalf("unknown method = %v; want -32601", u)
	}
	if u := cl.request(34, "tools/list", map[string]any{"cursor": "garbage"}); num(u, "error", "code") != -32602 {
		t.Fatalf("bad cursor = %v; want -32602", u)
	}
	cl.send(`{"jsonrpc":"2.0","id":35,"method":7}`)
	if e := cl.next(); num(e, "error", "code") != -32600 || num(e, "id") != 35 {
		t.Fatalf("non-string method = %v; want -32600 for id 35", e)
	}
	if s := cl.toolOK(36, "memory_stats", nil); num(s, "total") != 1 {
		t.Fatalf("stats after errors = %v", s)
	}
}

func TestStdioBinaryAgentFromEnv(t *testing.T) {
	cl := startMCP(t, filepath.Join(t.TempDir(), "e.db"), []string{"AI_MEMORY_AGENT_ID=env-agent"})
	cl.initialize("2024-11-05")
	cl.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	out := cl.toolOK(2, "memory_store", map[string]any{"title": "t", "content": "c"})
	if str(out, "memory", "agent_id") != "env-agent" {
		t.Fatalf("AI_MEMORY_AGENT_ID not stamped: %v", out)
	}
	// The tool argument wins over the environment.
	out = cl.toolOK(3, "memory_store", map[string]any{"title": "u", "content": "c", "agent_id": "arg-agent"})
	if str(out, "memory", "agent_id") != "arg-agent" {
		t.Fatalf("agent_id argument not stamped: %v", out)
	}
}

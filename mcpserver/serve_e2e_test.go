package mcpserver

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// startServe runs `ai-memory serve` on a free loopback port and returns
// its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(aiMemoryBinary(t), append([]string{"--db", filepath.Join(t.TempDir(), "serve.db"), "serve",
		"--host", "127.0.0.1", "--port", "0", "--log-level", "error"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "ai-memory listening on "); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not report its address within 15s")
	}
	return ""
}

func TestServeMountsMCPBehindAPIKey(t *testing.T) {
	base := startServe(t, "--api-key", "k3y")
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	status := func(h map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		h    map[string]string
		want int
	}{
		{nil, http.StatusUnauthorized},
		{map[string]string{"X-API-Key": "wrong"}, http.StatusUnauthorized},
		{map[string]string{"X-API-Key": "k3y"}, http.StatusOK},
		{map[string]string{"Authorization": "Bearer k3y"}, http.StatusOK},
		{map[string]string{"X-API-Key": "k3y", "Origin": "http://evil.example"}, http.StatusForbidden},
	} {
		if got := status(c.h); got != c.want {
			t.Fatalf("headers %v: %d; want %d", c.h, got, c.want)
		}
	}
	// A full client session over the served endpoint, with the key.
	hc := &http.Client{Transport: headerTransport{http.Header{"X-Api-Key": {"k3y"}, "X-Agent-Id": {"web"}}, http.DefaultTransport}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	out := ok(t, cs, "memory_store", map[string]any{"title": "served", "content": "over serve"})
	if str(out, "memory", "agent_id") != "web" {
		t.Fatalf("store over serve = %v", out)
	}
	// The HTTP API sees the MCP write: one engine behind both faces.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/memories/"+str(out, "id"), nil)
	req.Header.Set("X-API-Key", "k3y")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the MCP-written memory over HTTP: %d", resp.StatusCode)
	}
}

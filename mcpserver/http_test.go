package mcpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	h    http.Header
	next http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header[k] = v
	}
	return t.next.RoundTrip(r)
}

func TestStreamableHTTPSessionAndAgentHeader(t *testing.T) {
	srv := httptest.NewServer(Handler(openEngine(t), Options{}))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: headerTransport{http.Header{"X-Agent-Id": {"http-agent"}}, http.DefaultTransport}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	if v := cs.InitializeResult().ProtocolVersion; v != ProtocolVersions[0] {
		t.Fatalf("negotiated %s; want %s", v, ProtocolVersions[0])
	}
	out := ok(t, cs, "memory_store", map[string]any{"title": "over http", "content": "streamable"})
	if str(out, "memory", "agent_id") != "http-agent" {
		t.Fatalf("X-Agent-Id not used: %v", out)
	}
	if rec := ok(t, cs, "memory_recall", map[string]any{"context": "streamable"}); num(rec, "count") != 1 {
		t.Fatalf("recall over http = %v", rec)
	}
}

func TestForeignOriginAndHostAreRefused(t *testing.T) {
	srv := httptest.NewServer(Handler(openEngine(t), Options{}))
	t.Cleanup(srv.Close)
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(origin, host string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		origin, host string
		want         int
	}{
		{"", "", http.StatusOK},
		{"http://localhost:3000", "", http.StatusOK},
		{"http://127.0.0.1:9077", "", http.StatusOK},
		{"http://evil.example", "", http.StatusForbidden},
		{"https://attacker.test:443", "", http.StatusForbidden},
		{"null", "", http.StatusForbidden},
		{"", "evil.example:9077", http.StatusForbidden}, // DNS rebinding via Host
	} {
		if got := post(c.origin, c.host); got != c.want {
			t.Fatalf("origin %q host %q: status %d; want %d", c.origin, c.host, got, c.want)
		}
	}
}

package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Every session that connects pays for tools/list in its context window,
// so its size is measured in the tokens of a real tokenizer (cl100k_base,
// loaded from the embedded vocabulary: no download at test time).
var (
	cl100kOnce sync.Once
	cl100k     *tiktoken.Tiktoken
	cl100kErr  error
)

func countTokens(t testing.TB, s string) int {
	t.Helper()
	cl100kOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		cl100k, cl100kErr = tiktoken.GetEncoding("cl100k_base")
	})
	if cl100kErr != nil {
		t.Fatal(cl100kErr)
	}
	return len(cl100k.EncodeOrdinary(s))
}

// recordingTransport keeps the result of every response the client reads,
// byte for byte as the server wrote it.
type recordingTransport struct {
	mcp.Transport
	mu      sync.Mutex
	results []json.RawMessage
}

func (r *recordingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := r.Transport.Connect(ctx)
	return &recordingConn{Connection: c, r: r}, err
}

type recordingConn struct {
	mcp.Connection
	r *recordingTransport
}

func (c *recordingConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if resp, ok := msg.(*jsonrpc.Response); ok && resp.Result != nil {
		c.r.mu.Lock()
		c.r.results = append(c.r.results, append(json.RawMessage(nil), resp.Result...))
		c.r.mu.Unlock()
	}
	return msg, err
}

// toolsListWire returns every page of tools/list as a client connected to a
// server built with opts receives it.
func toolsListWire(t testing.TB, opts Options) []json.RawMessage {
	t.Helper()
	ctx := context.Background()
	ms, _ := newServer(openEngine(t), opts)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := ms.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingTransport{Transport: ct}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "budget", Version: "1"}, nil).Connect(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cs.Close(); ss.Wait() }()
	rec.mu.Lock()
	skip := len(rec.results) // the initialize result
	rec.mu.Unlock()
	for cursor := ""; ; {
		res, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.results[skip:]
}

// toolCost is what one tool of the list costs.
type toolCost struct {
	Name   string
	Tokens int
}

// listCost is what a whole tools/list costs: Total counts every page's
// result, so the envelope and cursors are paid for too.
type listCost struct {
	Tools []toolCost
	Total int
}

// measure tokenizes the pages of a tools/list.
func measure(t testing.TB, pages []json.RawMessage) listCost {
	t.Helper()
	var c listCost
	for _, p := range pages {
		var page struct {
			Tools []json.RawMessage `json:"tools"`
		}
		if err := json.Unmarshal(p, &page); err != nil {
			t.Fatalf("page %s: %v", p, err)
		}
		c.Total += countTokens(t, string(p))
		for _, raw := range page.Tools {
			var named struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(raw, &named); err != nil {
				t.Fatal(err)
			}
			c.Tools = append(c.Tools, toolCost{named.Name, countTokens(t, string(raw))})
		}
	}
	return c
}

// table renders the per-tool costs, one tool a line, and the total.
func (c listCost) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| tool | tokens |\n|---|---:|\n")
	sum := 0
	for _, tc := range c.Tools {
		fmt.Fprintf(&b, "| `%s` | %d |\n", tc.Name, tc.Tokens)
		sum += tc.Tokens
	}
	fmt.Fprintf(&b, "| %d tools (sum of tools) | %d |\n| whole tools/list (all pages) | %d |\n", len(c.Tools), sum, c.Total)
	return b.String()
}

func TestToolsListTokenCost(t *testing.T) {
	c := measure(t, toolsListWire(t, Options{}))
	t.Logf("tools/list in cl100k_base tokens:\n%s", c.table())
	if len(c.Tools) != len(upstreamTools) {
		t.Fatalf("%d tools measured; want %d", len(c.Tools), len(upstreamTools))
	}
}

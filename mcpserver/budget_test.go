package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	ms := New(openEngine(t), opts)
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

// budget bounds a tool list in tokens.
type budget struct {
	Total   int
	PerTool int
}

// The budgets of issue 16: the whole list, and the core profile for
// clients that want the smallest footprint.
var (
	allToolsBudget = budget{Total: 4000, PerTool: 250}
	coreBudget     = budget{Total: 1200, PerTool: 250}
)

// check returns one line per tool over its limit, and one if the whole
// list is.
func (b budget) check(c listCost) []string {
	var over []string
	for _, tc := range c.Tools {
		if tc.Tokens > b.PerTool {
			over = append(over, fmt.Sprintf("%s costs %d tokens; limit %d", tc.Name, tc.Tokens, b.PerTool))
		}
	}
	if c.Total > b.Total {
		over = append(over, fmt.Sprintf("tools/list costs %d tokens; limit %d", c.Total, b.Total))
	}
	return over
}

// requireWithin fails the test when c is over b, printing the table.
func requireWithin(t *testing.T, b budget, c listCost) {
	t.Helper()
	t.Logf("tools/list in cl100k_base tokens:\n%s", c.table())
	if over := b.check(c); len(over) > 0 {
		t.Fatalf("over budget:\n%s\n%s", strings.Join(over, "\n"), c.table())
	}
}

func TestToolsListTokenBudget(t *testing.T) {
	c := measure(t, toolsListWire(t, Options{}))
	if len(c.Tools) != len(upstreamTools) {
		t.Fatalf("%d tools measured; want %d", len(c.Tools), len(upstreamTools))
	}
	requireWithin(t, allToolsBudget, c)
}

func TestCoreProfileTokenBudget(t *testing.T) {
	core, err := ParseTools("core")
	if err != nil {
		t.Fatal(err)
	}
	c := measure(t, toolsListWire(t, Options{Tools: core}))
	if len(c.Tools) != len(CoreTools) {
		t.Fatalf("%d tools in the core profile; want %d", len(c.Tools), len(CoreTools))
	}
	requireWithin(t, coreBudget, c)
}

// inflate returns a copy of pages where the named tools' descriptions
// (every tool when names is empty) end with extra.
func inflate(t *testing.T, pages []json.RawMessage, extra string, names ...string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, p := range pages {
		var page map[string]any
		if err := json.Unmarshal(p, &page); err != nil {
			t.Fatal(err)
		}
		for _, tl := range page["tools"].([]any) {
			tl := tl.(map[string]any)
			if len(names) == 0 || slices.Contains(names, tl["name"].(string)) {
				tl["description"] = tl["description"].(string) + extra
			}
		}
		b, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// The budget check must go red on a regression, whether one tool grows
// past its limit or every tool grows a little (" memory" is one token).
func TestBudgetCheckCatchesInflatedLists(t *testing.T) {
	pages := toolsListWire(t, Options{})
	c := measure(t, pages)
	if over := allToolsBudget.check(c); len(over) != 0 {
		t.Fatalf("the real list is over budget: %v", over)
	}
	one := allToolsBudget.check(measure(t, inflate(t, pages, strings.Repeat(" memory", allToolsBudget.PerTool), "memory_recall")))
	if len(one) != 1 || !strings.HasPrefix(one[0], "memory_recall costs ") {
		t.Fatalf("inflated memory_recall: check = %q; want memory_recall alone over its limit", one)
	}
	each := (allToolsBudget.Total-c.Total)/len(c.Tools) + 1
	for _, tc := range c.Tools {
		if tc.Tokens+each > allToolsBudget.PerTool {
			t.Fatalf("%s (%d tokens) leaves no room to inflate every tool by %d", tc.Name, tc.Tokens, each)
		}
	}
	every := allToolsBudget.check(measure(t, inflate(t, pages, strings.Repeat(" memory", each))))
	if len(every) != 1 || !strings.HasPrefix(every[0], "tools/list costs ") {
		t.Fatalf("every tool %d tokens longer: check = %q; want only the whole list over", each, every)
	}
}

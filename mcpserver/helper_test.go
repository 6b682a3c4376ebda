package mcpserver

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// openEngine is an engine on a fresh SQLite file, closed at cleanup.
func openEngine(t testing.TB) *engine.Engine {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "mcp.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return engine.New(st, engine.Options{NodeID: "n1", PromoteAfter: engine.DefaultPromoteAfter})
}

// connect runs a server over e in memory and returns a client session.
func connect(t testing.TB, e *engine.Engine, opts Options) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	ms := New(e, opts)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := ms.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs
}

// result is a decoded tool result.
type result struct {
	IsError bool
	Text    string
	Out     map[string]any
}

// call invokes a tool; protocol errors fail the test.
func call(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) result {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v", name, err)
	}
	r := result{IsError: res.IsError}
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			r.Text += tc.Text
		}
	}
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &r.Out); err != nil {
			t.Fatalf("%s: structured content %s: %v", name, b, err)
		}
	}
	return r
}

// ok calls a tool that must succeed and returns its structured output.
func ok(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	r := call(t, cs, name, args)
	if r.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, r.Text)
	}
	if r.Out == nil {
		t.Fatalf("%s: no structured content", name)
	}
	return r.Out
}

// fails calls a tool that must fail with a message containing want.
func fails(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any, want string) {
	t.Helper()
	r := call(t, cs, name, args)
	if !r.IsError || !strings.Contains(r.Text, want) {
		t.Fatalf("%s(%v) = error %v %q; want an error containing %q", name, args, r.IsError, r.Text, want)
	}
}

// path walks decoded JSON: path(v, "memory", "id").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any, keys ...any) string {
	s, _ := path(v, keys...).(string)
	return s
}

func num(v any, keys ...any) int {
	f, _ := path(v, keys...).(float64)
	return int(f)
}

func list(v any, keys ...any) []any {
	a, _ := path(v, keys...).([]any)
	return a
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/webhook"
)

// hookReceiver is a real local webhook subscriber recording each event.
type hookReceiver struct {
	url    string
	mu     sync.Mutex
	events map[string][]webhook.Event // by memory title
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{events: map[string][]webhook.Event{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev webhook.Event
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
		h.mu.Lock()
		h.events[ev.Memory.Title] = append(h.events[ev.Memory.Title], ev)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// await returns the events for title once there is one, waiting up to 10 s.
func (h *hookReceiver) await(t *testing.T, title string) []webhook.Event {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		h.mu.Lock()
		evs := h.events[title]
		h.mu.Unlock()
		if len(evs) > 0 {
			return evs
		}
	}
	t.Fatalf("no webhook delivery for %q within 10s", title)
	return nil
}

func (h *hookReceiver) titles() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for title, evs := range h.events {
		for range evs {
			out = append(out, title)
		}
	}
	sort.Strings(out)
	return out
}

// mcpCall calls a tool over serve's /mcp and decodes its result.
func mcpCall(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil || res.IsError {
		t.Fatalf("%s: %v %+v", name, err, res)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// face is one way into the engine: how to store a memory, and how to
// queue a store in a governed namespace and approve it.
type face struct {
	name    string
	source  string
	store   func(t *testing.T, title string)
	approve func(t *testing.T, title string)
}

// A store and the approval of a queued store fire the same webhook
// whichever face they come through: the HTTP API, MCP over serve's /mcp,
// or a CLI run writing to the same database file (an engine of its own).
// Queueing a write fires nothing.
func TestWebhooksFireAlikeFromEveryFace(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hooks.db")
	srv := startServe(t, db)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "hooks", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.url + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	policy := mcpCall(t, cs, "memory_store", map[string]any{"title": "review first", "content": "writes here need approval", "namespace": "gov"})
	mcpCall(t, cs, "memory_namespace_set_standard", map[string]any{"namespace": "gov", "id": policy["id"], "require_approval": true})
	hooks := newHookReceiver(t)
	mcpCall(t, cs, "memory_subscribe", map[string]any{"url": hooks.url + "/hook"})

	faces := []face{
		{name: "http", source: "api",
			store: func(t *testing.T, title string) {
				if code, body := httpJSON(t, "POST", srv.url+"/api/v1/memories", map[string]any{"title": title, "content": "x", "namespace": "hooks"}); code != 201 {
					t.Fatalf("store: %d %v", code, body)
				}
			},
			approve: func(t *testing.T, title string) {
				code, body := httpJSON(t, "POST", srv.url+"/api/v1/memories", map[string]any{"title": title, "content": "x", "namespace": "gov"})
				if code != 202 {
					t.Fatalf("governed store: %d %v", code, body)
				}
				if code, body := httpJSON(t, "POST", fmt.Sprintf("%s/api/v1/pending/%s/approve", srv.url, body["pending_id"]), map[string]any{"decided_by": "boss"}); code != 200 {
					t.Fatalf("approve: %d %v", code, body)
				}
			}},
		{name: "mcp", source: "mcp",
			store: func(t *testing.T, title string) {
				mcpCall(t, cs, "memory_store", map[string]any{"title": title, "content": "x", "namespace": "hooks"})
			},
			approve: func(t *testing.T, title string) {
				p := mcpCall(t, cs, "memory_store", map[string]any{"title": title, "content": "x", "namespace": "gov"})
				mcpCall(t, cs, "memory_pending_approve", map[string]any{"id": p["pending_id"], "decided_by": "boss"})
			}},
		{name: "cli", source: "cli",
			store: func(t *testing.T, title string) {
				runJSON(t, db, "store", "-T", title, "-c", "x", "-n", "hooks")
			},
			approve: func(t *testing.T, title string) {
				p := runJSON(t, db, "store", "-T", title, "-c", "x", "-n", "gov")
				runJSON(t, db, "--agent-id", "boss", "pending", "approve", p["pending_id"].(string))
			}},
	}
	var want []string
	for _, f := range faces {
		t.Run(f.name, func(t *testing.T) {
			for _, c := range []struct {
				title string
				write func(*testing.T, string)
				ns    string
			}{{f.name + " store", f.store, "hooks"}, {f.name + " approved", f.approve, "gov"}} {
				c.write(t, c.title)
				ev := hooks.await(t, c.title)[0]
				m := ev.Memory
				if ev.Event != engine.EventStore || ev.SubscriptionID == "" || ev.SentAt.IsZero() ||
					m.ID == "" || m.Namespace != c.ns || m.Source != f.source || m.Content != "x" {
					t.Fatalf("%s: delivered %+v", c.title, ev)
				}
				want = append(want, c.title)
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // room for a stray or duplicate delivery
	sort.Strings(want)
	if got := hooks.titles(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("deliveries %q; want exactly one per store and approval: %q", got, want)
	}
}

package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// A namespace standard with require_approval queues HTTP writes as pending
// actions (202) that an approval turns into a memory; bulk writes there are
// refused (403) rather than slipping past the approval.
func TestGovernedWrites(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	policy := a.create(t, map[string]any{"title": "policy", "content": "reviewed writes only", "namespace": "legal"})
	if _, err := a.eng.SetStandard(context.Background(), "legal", policy, true, "admin"); err != nil {
		t.Fatal(err)
	}
	q := a.must(t, 202, "POST", "/api/v1/memories", map[string]any{"title": "contract", "content": "draft", "namespace": "legal/contracts"}, "X-Agent-Id", "drafter")
	pid := q.str("pending_id")
	if q.str("status") != "pending" || pid == "" {
		t.Fatalf("governed write: %s", q.raw)
	}
	a.must(t, 403, "POST", "/api/v1/memories/bulk", []map[string]any{{"title": "x", "namespace": "legal"}})
	a.must(t, 201, "POST", "/api/v1/memories/bulk", []map[string]any{{"title": "x", "namespace": "free"}})

	l := a.must(t, 200, "GET", "/api/v1/pending?status=pending", nil)
	if l.body["count"] != 1.0 {
		t.Fatalf("pending list: %s", l.raw)
	}
	ok := a.must(t, 200, "POST", "/api/v1/pending/"+pid+"/approve", nil, "X-Agent-Id", "reviewer")
	if ok.str("status") != "approved" || ok.str("decided_by") != "reviewer" || ok.str("memory_id") == "" {
		t.Fatalf("approve: %s", ok.raw)
	}
	a.must(t, 200, "GET", "/api/v1/memories/"+ok.str("memory_id"), nil)
	// Decided actions cannot be decided again.
	if r := a.call(t, "POST", "/api/v1/pending/"+pid+"/reject", `{"decided_by":"reviewer"}`); r.status < 400 || r.status >= 500 {
		t.Fatalf("second decision: %d %s", r.status, r.raw)
	}
	q2 := a.must(t, 202, "POST", "/api/v1/memories", map[string]any{"title": "other", "namespace": "legal"})
	rej := a.must(t, 200, "POST", "/api/v1/pending/"+q2.str("pending_id")+"/reject", `{"decided_by":"reviewer"}`)
	if rej.str("status") != "rejected" {
		t.Fatalf("reject: %s", rej.raw)
	}
}

func TestAgents(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	r := a.must(t, 201, "POST", "/api/v1/agents", map[string]any{"agent_type": "planner", "capabilities": []string{"plan", "review"}}, "X-Agent-Id", "agent-1")
	if r.str("agent_id") != "agent-1" || r.str("agent_type") != "planner" {
		t.Fatalf("register: %s", r.raw)
	}
	a.must(t, 400, "POST", "/api/v1/agents", `{}`)
	l := a.must(t, 200, "GET", "/api/v1/agents", nil)
	if l.body["count"] != 1.0 {
		t.Fatalf("agents: %s", l.raw)
	}
}

// A store over HTTP fires the store webhook, as over MCP.
func TestStoreWebhook(t *testing.T) {
	got := make(chan map[string]any, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &ev)
		got <- ev
	}))
	t.Cleanup(hook.Close)
	a := newTestAPI(t, Options{}, sqlite.Options{})
	if _, err := a.eng.Subscribe(context.Background(), engine.SubscribeInput{URL: hook.URL, Namespace: "watched"}); err != nil {
		t.Fatal(err)
	}
	a.create(t, map[string]any{"title": "ignored", "namespace": "elsewhere"})
	id := a.create(t, map[string]any{"title": "seen", "namespace": "watched"})
	select {
	case ev := <-got:
		m, _ := ev["memory"].(map[string]any)
		if ev["event"] != engine.EventStore || m["id"] != id {
			t.Fatalf("webhook event: %v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivery within 10s")
	}
	select {
	case ev := <-got:
		t.Fatalf("delivery for an unwatched namespace: %v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

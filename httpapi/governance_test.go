package httpapi

import (
	"context"
	"testing"

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

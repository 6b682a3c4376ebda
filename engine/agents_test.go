package engine

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestRegisterAgentKeepsFirstRegistration(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	a1, _, err := e.RegisterAgent(ctx, Agent{AgentID: "claude-1", AgentType: "claude-code", Capabilities: []string{"code", "review"}})
	if err != nil {
		t.Fatal(err)
	}
	a2, _, err := e.RegisterAgent(ctx, Agent{AgentID: "claude-1", AgentType: "claude-code", Capabilities: []string{"code"}, Description: "pairs on Go"})
	if err != nil {
		t.Fatal(err)
	}
	if a2.MemoryID != a1.MemoryID || !a2.RegisteredAt.Equal(a1.RegisteredAt) {
		t.Fatalf("re-registration made a new entry or moved registered_at: %+v vs %+v", a2, a1)
	}
	if _, _, err := e.RegisterAgent(ctx, Agent{AgentID: "codex"}); err != nil {
		t.Fatal(err)
	}
	list, err := e.ListAgents(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("agents = %+v, %v; want 2", list, err)
	}
	got := list[0]
	if got.AgentID != "claude-1" || got.AgentType != "claude-code" || len(got.Capabilities) != 1 || got.Description != "pairs on Go" {
		t.Fatalf("first agent = %+v", got)
	}
	if list[1].AgentType != "generic" {
		t.Fatalf("default agent type = %q; want generic", list[1].AgentType)
	}
	m, _, err := e.Get(ctx, got.MemoryID)
	if err != nil || m.Namespace != memory.NamespaceAgents || m.Tier != memory.TierLong {
		t.Fatalf("registry memory = %+v, %v; want a long memory in _agents", m, err)
	}
}

func TestRegisterAgentRejectsBadIDs(t *testing.T) {
	e := openExtrasEngine(t)
	for _, id := range []string{"", "has space"} {
		_, _, err := e.RegisterAgent(context.Background(), Agent{AgentID: id})
		wantCode(t, err, memory.CodeInvalid)
	}
}

package engine

import (
	"context"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Agent is a registered agent. The registry lives in the reserved namespace
// "_agents", one long memory per agent titled with its id, so it replicates
// and exports like any memory.
type Agent struct {
	AgentID      string    `json:"agent_id"`
	AgentType    string    `json:"agent_type"`
	Capabilities []string  `json:"capabilities"`
	Description  string    `json:"description,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
	LastSeenAt   time.Time `json:"last_seen_at"`
	MemoryID     string    `json:"memory_id"`
}

// RegisterAgent creates or refreshes an agent's registry entry, and says
// how many nodes hold it (0 without federation). A second registration
// keeps the first registered_at and updates the rest.
func (e *Engine) RegisterAgent(ctx context.Context, a Agent) (*Agent, int, error) {
	if a.AgentID == "" {
		return nil, 0, memory.Errorf(memory.CodeInvalid, "agent_id is required")
	}
	if err := memory.ValidateToken("agent_id", a.AgentID, memory.MaxAgentIDLen); err != nil {
		return nil, 0, err
	}
	if a.AgentType == "" {
		a.AgentType = "generic"
	}
	if err := memory.ValidateToken("agent_type", a.AgentType, memory.MaxSourceLen); err != nil {
		return nil, 0, err
	}
	caps := memory.NormalizeTags(a.Capabilities)
	if len(caps) > memory.MaxTags {
		return nil, 0, memory.Errorf(memory.CodeInvalid, "%d capabilities; the limit is %d", len(caps), memory.MaxTags)
	}
	now := e.Now()
	a.Capabilities, a.RegisteredAt, a.LastSeenAt = caps, now, now
	if old, err := e.store.FindByTitle(ctx, memory.NamespaceAgents, a.AgentID); err == nil {
		if prev, ok := agentFrom(old); ok {
			a.RegisteredAt = prev.RegisteredAt
		}
	} else if !memory.IsNotFound(err) {
		return nil, 0, err
	}
	content := a.Description
	if content == "" {
		content = "agent " + a.AgentID + " (" + a.AgentType + "): " + strings.Join(caps, ", ")
	}
	res, err := e.store1(ctx, "agent_register", NewMemory{
		Title: a.AgentID, Content: content, Tier: memory.TierLong, Namespace: memory.NamespaceAgents,
		Tags: append([]string{"agent"}, caps...)[:min(len(caps)+1, memory.MaxTags)], Source: "agent_register", AgentID: a.AgentID,
		Metadata: map[string]any{
			"agent_type":    a.AgentType,
			"capabilities":  caps,
			"registered_at": a.RegisteredAt.Format(time.RFC3339Nano),
			"last_seen_at":  a.LastSeenAt.Format(time.RFC3339Nano),
		},
	})
	if res.Memory.ID == "" {
		return nil, 0, err
	}
	a.MemoryID = res.Memory.ID
	return &a, res.Acks, err
}

// ListAgents returns every registered agent in registration order.
func (e *Engine) ListAgents(ctx context.Context) ([]Agent, error) {
	ms, err := e.scan(ctx, memory.ListQuery{Namespace: memory.NamespaceAgents}, func(*memory.Memory) bool { return true })
	if err != nil {
		return nil, err
	}
	out := []Agent{}
	for i := range ms {
		if a, ok := agentFrom(&ms[i]); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// agentFrom reads an agent back from its registry memory.
func agentFrom(m *memory.Memory) (Agent, bool) {
	a := Agent{AgentID: m.Title, MemoryID: m.ID, Capabilities: []string{}}
	typ, ok := m.Metadata["agent_type"].(string)
	if !ok {
		return a, false
	}
	a.AgentType = typ
	if caps, ok := m.Metadata["capabilities"].([]any); ok {
		for _, c := range caps {
			if s, ok := c.(string); ok {
				a.Capabilities = append(a.Capabilities, s)
			}
		}
	}
	a.RegisteredAt = metaTime(m.Metadata, "registered_at", m.CreatedAt)
	a.LastSeenAt = metaTime(m.Metadata, "last_seen_at", m.UpdatedAt)
	if !strings.HasPrefix(m.Content, "agent "+a.AgentID+" (") {
		a.Description = m.Content
	}
	return a, true
}

func metaTime(md map[string]any, key string, def time.Time) time.Time {
	if s, ok := md[key].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return def
}

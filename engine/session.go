package engine

import (
	"context"
	"strconv"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// SessionContext is what an agent loads when a session starts: the
// standards that govern the namespace, its newest memories, the agent's
// unread message count and a short summary.
type SessionContext struct {
	Namespace     string          `json:"namespace,omitempty"`
	AgentID       string          `json:"agent_id,omitempty"`
	Standards     []Standard      `json:"standards"`
	Recent        []memory.Memory `json:"recent"`
	Total         int             `json:"total"`
	UnreadCount   int             `json:"unread_messages"`
	Summary       string          `json:"summary"`
	SummaryMethod string          `json:"summary_method"`
}

// DefaultSessionRecent is how many recent memories session_start returns.
const DefaultSessionRecent = 10

// SessionStart gathers the context for a new session in namespace ("" for
// all namespaces) on behalf of agent ("" for none).
func (a *Assistant) SessionStart(ctx context.Context, namespace, agent string, limit int) (*SessionContext, error) {
	limit = clampLimit(limit, DefaultSessionRecent, MaxRecallLimit)
	q := memory.ListQuery{Namespace: namespace, Now: a.e.Now()}
	if err := checkFilters(&q); err != nil {
		return nil, err
	}
	n, err := a.e.store.CountMemories(ctx, q)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = max(0, n-limit), limit
	recent, _, err := a.e.store.ListMemories(ctx, q)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(recent)-1; i < j; i, j = i+1, j-1 { // newest first
		recent[i], recent[j] = recent[j], recent[i]
	}
	sc := &SessionContext{Namespace: namespace, AgentID: agent, Recent: nonNil(recent), Total: n}
	if sc.Standards, err = a.e.ResolveStandards(ctx, namespace); err != nil {
		return nil, err
	}
	if agent != "" {
		if sc.UnreadCount, err = a.e.UnreadCount(ctx, agent); err != nil && memory.ErrorCode(err) != memory.CodeInvalid {
			return nil, err
		}
	}
	sc.Summary, sc.SummaryMethod = a.sessionSummary(ctx, sc)
	return sc, nil
}

// sessionSummary is the LLM's digest of the recent memories when one is
// configured, else a plain listing of their titles.
func (a *Assistant) sessionSummary(ctx context.Context, sc *SessionContext) (string, string) {
	if a.llm != nil && len(sc.Recent) > 0 {
		reply, err := a.llm.Complete(ctx, "You brief an AI agent starting a session. Summarise these notes in a few sentences.", ConcatSummary(sc.Recent))
		if err == nil {
			return reply, "llm:" + a.llm.Name()
		}
	}
	var sb strings.Builder
	where := "all namespaces"
	if sc.Namespace != "" {
		where = "namespace " + sc.Namespace
	}
	sb.WriteString(strconv.Itoa(sc.Total) + " active memories in " + where)
	if len(sc.Standards) > 0 {
		sb.WriteString("; " + strconv.Itoa(len(sc.Standards)) + " standard(s) apply")
	}
	if sc.UnreadCount > 0 {
		sb.WriteString("; " + strconv.Itoa(sc.UnreadCount) + " unread message(s)")
	}
	if len(sc.Recent) > 0 {
		titles := make([]string, len(sc.Recent))
		for i, m := range sc.Recent {
			titles[i] = m.Title
		}
		sb.WriteString(". Most recent: " + strings.Join(titles, "; "))
	}
	return sb.String() + ".", MethodDeterministic
}

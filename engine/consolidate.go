package engine

import (
	"context"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// ConsolidateInput merges several memories into one long memory.
type ConsolidateInput struct {
	IDs       []string `json:"ids"`
	Title     string   `json:"title"`
	Namespace string   `json:"namespace,omitempty"`
	// Summary is the new content; empty means the deterministic
	// concatenation summary (no LLM needed).
	Summary string `json:"summary,omitempty"`
	Source  string `json:"source,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
}

// ConsolidateResult names the new memory and the sources it replaced.
type ConsolidateResult struct {
	Memory  memory.Memory `json:"memory"`
	Sources []string      `json:"sources"`
	Method  string        `json:"method"`
	// Acks counts the nodes holding the write, this one included; 0
	// without federation.
	Acks int `json:"-"`
}

// Consolidate writes one long memory holding the sources' content, links it
// derived_from each source and deletes the sources, all in one batch, so
// every node applies all of it or none. Without a summary the content is
// the sources' concatenation (Assistant.Consolidate asks an LLM instead).
func (e *Engine) Consolidate(ctx context.Context, in ConsolidateInput) (ConsolidateResult, error) {
	return e.consolidate(ctx, in, concatenate)
}

// summarizer writes a consolidation's content from its sources and names
// the method it used.
type summarizer func(ctx context.Context, srcs []memory.Memory) (text, method string)

func concatenate(_ context.Context, srcs []memory.Memory) (string, string) {
	return ConcatSummary(srcs), MethodConcatenation
}

// consolidate runs the summarizer under the sources' row locks, so the
// summary describes exactly the content the batch deletes.
func (e *Engine) consolidate(ctx context.Context, in ConsolidateInput, summarize summarizer) (ConsolidateResult, error) {
	if len(in.IDs) < 2 || len(in.IDs) > 100 {
		return ConsolidateResult{}, memory.Errorf(memory.CodeInvalid, "consolidate needs 2..100 ids, got %d", len(in.IDs))
	}
	seen := map[string]bool{}
	for _, id := range in.IDs {
		if seen[id] {
			return ConsolidateResult{}, memory.Errorf(memory.CodeInvalid, "id %s given twice", id)
		}
		seen[id] = true
	}
	namespace := func(srcs []memory.Memory) string {
		if in.Namespace == "" {
			return srcs[0].Namespace
		}
		return in.Namespace
	}
	srcs, unlock, err := e.lockRows(ctx, in.IDs, e.active, func(srcs []memory.Memory) []string {
		return []string{titleKey(namespace(srcs), strings.TrimSpace(in.Title))}
	})
	if err != nil {
		return ConsolidateResult{}, err
	}
	defer unlock()
	ns := namespace(srcs)
	method := "provided"
	content := in.Summary
	if content == "" {
		content, method = summarize(ctx, srcs)
	}
	prio, tags := 0, []string{}
	for _, s := range srcs {
		prio = max(prio, s.Priority)
		tags = append(tags, s.Tags...)
	}
	if tags = memory.NormalizeTags(tags); len(tags) > memory.MaxTags {
		tags = tags[:memory.MaxTags]
	}
	c, err := e.prepare(NewMemory{Title: in.Title, Content: content, Tier: memory.TierLong, Namespace: ns,
		Tags: tags, Priority: &prio, Source: in.Source, AgentID: in.AgentID})
	if err != nil {
		return ConsolidateResult{}, err
	}
	b, err := e.tombstones(ctx, srcs)
	if err != nil {
		return ConsolidateResult{}, err
	}
	b.Memories = append(b.Memories, c)
	for _, s := range srcs {
		b.Links = append(b.Links, memory.Link{SourceID: c.ID, TargetID: s.ID, Relation: memory.DerivedFrom, CreatedAt: c.CreatedAt})
	}
	r, err := e.commit(ctx, "consolidate", b)
	return ConsolidateResult{Memory: b.Memories[len(b.Memories)-1], Sources: in.IDs, Method: method, Acks: r.acks}, err
}

// ConcatSummary joins titles and contents, trimmed to the content limit.
func ConcatSummary(ms []memory.Memory) string {
	var sb strings.Builder
	for i, m := range ms {
		if i > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString("## " + m.Title + "\n" + m.Content)
	}
	s := sb.String()
	if len(s) > memory.MaxContentBytes {
		s = strings.ToValidUTF8(s[:memory.MaxContentBytes], "")
	}
	return s
}

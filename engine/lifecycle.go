package engine

import (
	"context"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Promote makes a memory long-term (clearing its expiry). With a target
// namespace it instead clones the memory into that ancestor namespace as a
// long memory linked derived_from the original. It says how many nodes
// hold the write (0 without federation).
func (e *Engine) Promote(ctx context.Context, id, toNamespace string) (*memory.Memory, int, error) {
	if toNamespace == "" {
		long := memory.TierLong
		return e.Update(ctx, id, Patch{Tier: &long})
	}
	m, err := e.active(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if !strings.HasPrefix(m.Namespace, toNamespace+"/") {
		return nil, 0, memory.Errorf(memory.CodeInvalid, "%q is not an ancestor of namespace %q", toNamespace, m.Namespace)
	}
	prio, conf := m.Priority, m.Confidence
	c, err := e.prepare(NewMemory{Title: m.Title, Content: m.Content, Tier: memory.TierLong, Namespace: toNamespace,
		Tags: m.Tags, Priority: &prio, Confidence: &conf, Source: m.Source, AgentID: m.AgentID, Metadata: m.Metadata})
	if err != nil {
		return nil, 0, err
	}
	l := memory.Link{SourceID: c.ID, TargetID: m.ID, Relation: memory.DerivedFrom, CreatedAt: c.CreatedAt}
	b := &memory.Batch{Memories: []memory.Memory{c}, Links: []memory.Link{l}}
	r, err := e.commit(ctx, "promote", b)
	return &b.Memories[0], r.acks, err
}

// ForgetQuery selects memories to archive in bulk. At least one of
// Namespace, Tier, Pattern or Tags is required, so a bare forget cannot
// empty the store.
type ForgetQuery struct {
	Namespace string      `json:"namespace,omitempty"`
	Tier      memory.Tier `json:"tier,omitempty"`
	Pattern   string      `json:"pattern,omitempty"`
	Tags      []string    `json:"tags,omitempty"`
	DryRun    bool        `json:"dry_run,omitempty"`
}

// BulkResult reports a bulk operation (forget, gc).
type BulkResult struct {
	Matched int      `json:"matched"`
	IDs     []string `json:"ids"`
	DryRun  bool     `json:"dry_run"`
	// Acks counts the nodes holding every page written, this one
	// included; 0 without federation or when nothing was written.
	Acks int `json:"-"`
}

// forgetPage bounds one archive batch: one transaction, one replication round.
const forgetPage = 500

// Forget archives every matching active memory: a forgotten memory can be
// restored until purged.
func (e *Engine) Forget(ctx context.Context, q ForgetQuery) (BulkResult, error) {
	if q.Namespace == "" && q.Tier == "" && strings.TrimSpace(q.Pattern) == "" && len(q.Tags) == 0 {
		return BulkResult{}, memory.Errorf(memory.CodeInvalid, "forget needs a namespace, tier, pattern or tags")
	}
	lq := memory.ListQuery{Namespace: q.Namespace, Tier: q.Tier, Tags: q.Tags}
	if err := checkFilters(&lq); err != nil {
		return BulkResult{}, err
	}
	var victims []memory.Memory
	if strings.TrimSpace(q.Pattern) != "" {
		terms, err := queryTerms(q.Pattern)
		if err != nil {
			return BulkResult{}, err
		}
		lq.Limit = 10000
		hits, err := e.store.Search(ctx, memory.SearchQuery{ListQuery: lq, Terms: terms, MatchAll: true})
		if err != nil {
			return BulkResult{}, err
		}
		for _, h := range hits {
			victims = append(victims, h.Memory)
		}
	} else {
		all, err := e.scan(ctx, lq, func(*memory.Memory) bool { return true })
		if err != nil {
			return BulkResult{}, err
		}
		victims = all
	}
	return e.archive(ctx, "forget", victims, q.DryRun)
}

// GC archives every active memory whose expiry has passed.
func (e *Engine) GC(ctx context.Context, dryRun bool) (BulkResult, error) {
	now := e.Now()
	expired, err := e.scan(ctx, memory.ListQuery{}, func(m *memory.Memory) bool { return m.Expired(now) })
	if err != nil {
		return BulkResult{}, err
	}
	return e.archive(ctx, "gc", expired, dryRun)
}

// scan pages through every active memory matching q (expired ones included)
// and keeps those keep accepts.
func (e *Engine) scan(ctx context.Context, q memory.ListQuery, keep func(*memory.Memory) bool) ([]memory.Memory, error) {
	var out []memory.Memory
	q.Limit = MaxListLimit
	for {
		page, more, err := e.store.ListMemories(ctx, q)
		if err != nil {
			return nil, err
		}
		for i := range page {
			if keep(&page[i]) {
				out = append(out, page[i])
			}
		}
		if !more || len(page) == 0 {
			return out, nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

// archive moves memories to the archived state in pages.
func (e *Engine) archive(ctx context.Context, op string, ms []memory.Memory, dryRun bool) (BulkResult, error) {
	res := BulkResult{Matched: len(ms), IDs: make([]string, 0, len(ms)), DryRun: dryRun}
	for _, m := range ms {
		res.IDs = append(res.IDs, m.ID)
	}
	if dryRun {
		return res, nil
	}
	now := e.Now()
	for start := 0; start < len(ms); start += forgetPage {
		end := min(start+forgetPage, len(ms))
		b := &memory.Batch{}
		for _, m := range ms[start:end] {
			m.State, m.ArchivedAt, m.UpdatedAt = memory.StateArchived, &now, now
			b.Memories = append(b.Memories, m)
		}
		r, err := e.commit(ctx, op, b)
		res.Acks = minAcks(res.Acks, r.acks)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

package engine

import (
	"context"
	"slices"
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
	rows, unlock, err := e.lockRows(ctx, []string{id}, e.active, func(ms []memory.Memory) []string {
		return []string{titleKey(toNamespace, ms[0].Title)}
	})
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	m := &rows[0]
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
	return e.archive(ctx, "forget", victims, q.DryRun, isActive)
}

// GC archives every active memory whose expiry has passed.
func (e *Engine) GC(ctx context.Context, dryRun bool) (BulkResult, error) {
	now := e.Now()
	expired, err := e.scan(ctx, memory.ListQuery{}, func(m *memory.Memory) bool { return m.Expired(now) })
	if err != nil {
		return BulkResult{}, err
	}
	return e.archive(ctx, "gc", expired, dryRun, func(m *memory.Memory) bool { return isActive(m) && m.Expired(now) })
}

func isActive(m *memory.Memory) bool { return m.State == memory.StateActive }

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

// archive moves the memories still accepts to the archived state.
func (e *Engine) archive(ctx context.Context, op string, ms []memory.Memory, dryRun bool, still func(*memory.Memory) bool) (BulkResult, error) {
	now := e.Now()
	return e.bulkWrite(ctx, op, ms, dryRun, still, func(page []memory.Memory) (*memory.Batch, error) {
		b := &memory.Batch{}
		for _, m := range page {
			m.State, m.ArchivedAt, m.UpdatedAt = memory.StateArchived, &now, now
			b.Memories = append(b.Memories, m)
		}
		return b, nil
	})
}

// bulkWrite reports victims as matched and, unless dryRun, writes them in
// pages of forgetPage, one commit each, with the batch build makes of a
// page. Each page is locked and read again first; rows still no longer
// accepts (changed since the scan) are left alone.
func (e *Engine) bulkWrite(ctx context.Context, op string, victims []memory.Memory, dryRun bool,
	still func(*memory.Memory) bool, build func([]memory.Memory) (*memory.Batch, error)) (BulkResult, error) {
	res := BulkResult{Matched: len(victims), IDs: make([]string, 0, len(victims)), DryRun: dryRun}
	for _, m := range victims {
		res.IDs = append(res.IDs, m.ID)
	}
	if dryRun {
		return res, nil
	}
	for start := 0; start < len(victims); start += forgetPage {
		ids := make([]string, 0, forgetPage)
		for _, m := range victims[start:min(start+forgetPage, len(victims))] {
			ids = append(ids, m.ID)
		}
		acks, err := e.writePage(ctx, op, ids, still, build)
		res.Acks = minAcks(res.Acks, acks)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func (e *Engine) writePage(ctx context.Context, op string, ids []string,
	still func(*memory.Memory) bool, build func([]memory.Memory) (*memory.Batch, error)) (int, error) {
	rows, unlock, err := e.lockRows(ctx, ids, e.store.GetMemory, nil)
	if err != nil {
		return 0, err
	}
	defer unlock()
	rows = slices.DeleteFunc(rows, func(m memory.Memory) bool { return !still(&m) })
	b, err := build(rows)
	if err != nil {
		return 0, err
	}
	r, err := e.commit(ctx, op, b)
	return r.acks, err
}

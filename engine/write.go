package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// NewMemory is the input of Store. Pointer fields distinguish "not given"
// (take the default) from a given zero.
type NewMemory struct {
	Title      string         `json:"title"`
	Content    string         `json:"content"`
	Tier       memory.Tier    `json:"tier,omitempty"`
	Namespace  string         `json:"namespace,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Priority   *int           `json:"priority,omitempty"`
	Confidence *float64       `json:"confidence,omitempty"`
	Source     string         `json:"source,omitempty"`
	AgentID    string         `json:"agent_id,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	TTLSecs    *int64         `json:"ttl_secs,omitempty"`
}

// StoreResult is a stored memory, whether it was new or de-duplicated
// onto an existing memory with the same title in the namespace, and how
// many nodes hold it.
type StoreResult struct {
	Memory  memory.Memory
	Created bool
	// Acks counts the nodes holding the write, this one included; 0 on a
	// node without federation.
	Acks int
}

// Store creates a memory, or updates the active memory with the same title
// in the same namespace. The result is durable locally; with federation
// err may be a quorum_not_met *memory.Error while the memory is kept.
func (e *Engine) Store(ctx context.Context, in NewMemory) (StoreResult, error) {
	return e.store1(ctx, OpStore, in)
}

// store1 is Store committing as op: registry and message writes are
// stores too, but not the ones observers of OpStore are told about.
func (e *Engine) store1(ctx context.Context, op string, in NewMemory) (StoreResult, error) {
	m, err := e.prepare(in)
	if err != nil {
		return StoreResult{}, err
	}
	return e.put(ctx, op, m)
}

// put stores a prepared memory under the lock of its title.
func (e *Engine) put(ctx context.Context, op string, m memory.Memory) (StoreResult, error) {
	defer e.lock(titleKey(m.Namespace, m.Title))()
	res, err := e.dedupe(ctx, m)
	if err != nil {
		return StoreResult{}, err
	}
	b := &memory.Batch{Memories: []memory.Memory{res.Memory}}
	r, err := e.commit(ctx, op, b)
	res.Memory, res.Acks = b.Memories[0], r.acks
	return res, err
}

// StoreMany stores up to memory.MaxBatchItems memories as one batch (one
// transaction, one replication round). Any invalid item rejects the
// batch, and so does any item whose namespace requires approval: approval
// is per write, so such memories are stored one at a time (StoreGoverned)
// and queue there.
func (e *Engine) StoreMany(ctx context.Context, in []NewMemory) ([]StoreResult, error) {
	if len(in) > memory.MaxBatchItems {
		return nil, memory.Errorf(memory.CodeTooLarge, "%d items; the limit is %d per request", len(in), memory.MaxBatchItems)
	}
	if err := e.refuseGoverned(ctx, in); err != nil {
		return nil, err
	}
	ms := make([]memory.Memory, len(in))
	keys := make([]string, len(in))
	for i, n := range in {
		m, err := e.prepare(n)
		if err != nil {
			return nil, itemError(i, err)
		}
		ms[i], keys[i] = m, titleKey(m.Namespace, m.Title)
	}
	defer e.lock(keys...)()
	out := make([]StoreResult, 0, len(in))
	b := &memory.Batch{}
	seen := map[string]int{}
	for i, m := range ms {
		if j, ok := seen[keys[i]]; ok { // same title twice in one request: the later wins
			inherit(&m, &b.Memories[j])
			b.Memories[j] = m
			continue
		}
		res, err := e.dedupe(ctx, m)
		if err != nil {
			return nil, err
		}
		seen[keys[i]] = len(b.Memories)
		b.Memories = append(b.Memories, res.Memory)
		out = append(out, res)
	}
	r, err := e.commit(ctx, OpStore, b)
	for i := range out {
		out[i].Memory, out[i].Acks = b.Memories[i], r.acks
	}
	return out, err
}

// prepare fills defaults and a new id, and validates.
func (e *Engine) prepare(in NewMemory) (memory.Memory, error) {
	now := e.Now()
	m := memory.Memory{
		Tier:       in.Tier,
		Namespace:  in.Namespace,
		Title:      strings.TrimSpace(in.Title),
		Content:    in.Content,
		Tags:       memory.NormalizeTags(in.Tags),
		Priority:   memory.DefaultPriority,
		Confidence: 1,
		Source:     in.Source,
		AgentID:    in.AgentID,
		Metadata:   in.Metadata,
		CreatedAt:  now,
		UpdatedAt:  now,
		State:      memory.StateActive,
	}
	if m.Tier == "" {
		m.Tier = memory.TierMid
	}
	if m.Namespace == "" {
		m.Namespace = memory.DefaultNamespace
	}
	if m.Source == "" {
		m.Source = "api"
	}
	if in.Priority != nil {
		m.Priority = *in.Priority
	}
	if in.Confidence != nil {
		m.Confidence = *in.Confidence
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	exp, err := e.expiry(m.Tier, now, in.ExpiresAt, in.TTLSecs)
	if err != nil {
		return m, err
	}
	m.ExpiresAt = exp
	m.ID = memory.NewID(now)
	return m, memory.Validate(&m)
}

// expiry decides expires_at: explicit time, else ttl_secs, else the tier's
// default lifetime (see Options.TTL). A long memory never expires unless
// told to or configured to.
func (e *Engine) expiry(t memory.Tier, now time.Time, at *time.Time, ttl *int64) (*time.Time, error) {
	switch {
	case at != nil && ttl != nil:
		return nil, memory.Errorf(memory.CodeInvalid, "give expires_at or ttl_secs, not both")
	case at != nil:
		v := at.UTC().Truncate(time.Millisecond)
		return &v, nil
	case ttl != nil:
		if *ttl <= 0 || *ttl > 100*365*24*3600 {
			return nil, memory.Errorf(memory.CodeInvalid, "ttl_secs %d: want 1..%d", *ttl, 100*365*24*3600)
		}
		v := now.Add(time.Duration(*ttl) * time.Second)
		return &v, nil
	}
	if d := e.ttl.of(t); d > 0 {
		v := now.Add(d)
		return &v, nil
	}
	return nil, nil
}

// dedupe turns m into an update of the active memory with the same title in
// the namespace, keeping its id, creation time and usage statistics.
func (e *Engine) dedupe(ctx context.Context, m memory.Memory) (StoreResult, error) {
	old, err := e.store.FindByTitle(ctx, m.Namespace, m.Title)
	if memory.IsNotFound(err) {
		return StoreResult{Memory: m, Created: true}, nil
	}
	if err != nil {
		return StoreResult{}, err
	}
	if !e.upsert(old, &m) {
		return StoreResult{Memory: m, Created: true}, nil
	}
	inherit(&m, old)
	return StoreResult{Memory: m, Created: false}, nil
}

// inherit makes m the next version of old: its id, creation time and
// usage statistics, and its version, which commit stamps m above.
func inherit(m, old *memory.Memory) {
	m.ID, m.CreatedAt, m.Version = old.ID, old.CreatedAt, old.Version
	m.AccessCount, m.LastAccessedAt = old.AccessCount, old.LastAccessedAt
}

// itemError prefixes a validation error with the index of the bad item.
func itemError(i int, err error) error {
	var e *memory.Error
	if errors.As(err, &e) {
		return &memory.Error{Code: e.Code, Message: fmt.Sprintf("item %d: %s", i, e.Message)}
	}
	return err
}

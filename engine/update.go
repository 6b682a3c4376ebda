package engine

import (
	"context"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Patch changes only the fields that are set.
type Patch struct {
	Title      *string         `json:"title,omitempty"`
	Content    *string         `json:"content,omitempty"`
	Tier       *memory.Tier    `json:"tier,omitempty"`
	Namespace  *string         `json:"namespace,omitempty"`
	Tags       *[]string       `json:"tags,omitempty"`
	Priority   *int            `json:"priority,omitempty"`
	Confidence *float64        `json:"confidence,omitempty"`
	Source     *string         `json:"source,omitempty"`
	Metadata   *map[string]any `json:"metadata,omitempty"`
	ExpiresAt  *time.Time      `json:"expires_at,omitempty"`
	TTLSecs    *int64          `json:"ttl_secs,omitempty"`
}

// Get returns an active memory with its links.
func (e *Engine) Get(ctx context.Context, id string) (*memory.Memory, []memory.Link, error) {
	m, err := e.active(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	links, err := e.store.Links(ctx, id)
	return m, links, err
}

// active loads a memory that exists and is neither archived nor deleted.
func (e *Engine) active(ctx context.Context, id string) (*memory.Memory, error) {
	if !memory.ValidID(id) {
		return nil, memory.Errorf(memory.CodeNotFound, "memory %q not found (not a valid id)", id)
	}
	m, err := e.store.GetMemory(ctx, id)
	if memory.IsNotFound(err) || err == nil && m.State != memory.StateActive {
		return nil, memory.Errorf(memory.CodeNotFound, "memory %s not found", id)
	}
	return m, err
}

// undeleted loads an active or archived memory.
func (e *Engine) undeleted(ctx context.Context, id string) (*memory.Memory, error) {
	m, err := e.store.GetMemory(ctx, id)
	if memory.IsNotFound(err) || err == nil && m.State == memory.StateDeleted {
		return nil, memory.Errorf(memory.CodeNotFound, "memory %s not found", id)
	}
	return m, err
}

// Update applies p to an active memory as a new version, and says how
// many nodes hold it (0 without federation).
func (e *Engine) Update(ctx context.Context, id string, p Patch) (*memory.Memory, int, error) {
	rows, unlock, err := e.lockRows(ctx, []string{id}, e.active, func(ms []memory.Memory) []string {
		ns, title := ms[0].Namespace, ms[0].Title
		if p.Namespace != nil {
			ns = *p.Namespace
		}
		if p.Title != nil {
			title = strings.TrimSpace(*p.Title)
		}
		return []string{titleKey(ns, title)}
	})
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	m := &rows[0]
	now := e.Now()
	if p.Title != nil {
		m.Title = strings.TrimSpace(*p.Title)
	}
	if p.Content != nil {
		m.Content = *p.Content
	}
	if p.Namespace != nil {
		m.Namespace = *p.Namespace
	}
	if p.Tags != nil {
		m.Tags = memory.NormalizeTags(*p.Tags)
	}
	if p.Priority != nil {
		m.Priority = *p.Priority
	}
	if p.Confidence != nil {
		m.Confidence = *p.Confidence
	}
	if p.Source != nil {
		m.Source = *p.Source
	}
	if p.Metadata != nil {
		m.Metadata = *p.Metadata
	}
	if p.Tier != nil {
		m.Tier = *p.Tier
		if m.Tier == memory.TierLong && p.ExpiresAt == nil && p.TTLSecs == nil {
			m.ExpiresAt = nil // promotion to long clears expiry
		}
	}
	if p.ExpiresAt != nil || p.TTLSecs != nil {
		if m.ExpiresAt, err = e.expiry(m.Tier, now, p.ExpiresAt, p.TTLSecs); err != nil {
			return nil, 0, err
		}
	}
	m.UpdatedAt = now
	if err := memory.Validate(m); err != nil {
		return nil, 0, err
	}
	if p.Title != nil || p.Namespace != nil {
		// Titles are unique per namespace (store de-duplicates on them); a
		// rename onto a taken title would leave two memories that store can
		// no longer tell apart.
		other, err := e.store.FindByTitle(ctx, m.Namespace, m.Title)
		if err == nil && other.ID != m.ID {
			return nil, 0, memory.Errorf(memory.CodeConflict, "namespace %q already has memory %s titled %q", m.Namespace, other.ID, m.Title)
		}
		if err != nil && !memory.IsNotFound(err) {
			return nil, 0, err
		}
	}
	return e.commitMemory(ctx, "update", m)
}

// commitMemory commits one memory row and returns it as stamped.
func (e *Engine) commitMemory(ctx context.Context, op string, m *memory.Memory) (*memory.Memory, int, error) {
	b := &memory.Batch{Memories: []memory.Memory{*m}}
	r, err := e.commit(ctx, op, b)
	*m = b.Memories[0]
	return m, r.acks, err
}

// Delete tombstones an active or archived memory and its links, and says
// how many nodes hold the delete (0 without federation).
func (e *Engine) Delete(ctx context.Context, id string) (acks int, err error) {
	rows, unlock, err := e.lockRows(ctx, []string{id}, e.undeleted, nil)
	if err != nil {
		return 0, err
	}
	defer unlock()
	b, err := e.tombstones(ctx, rows)
	if err != nil {
		return 0, err
	}
	r, err := e.commit(ctx, "delete", b)
	return r.acks, err
}

// tombstones builds the batch that deletes ms and every live link touching
// them. Content is dropped: a deleted memory keeps only what replication
// needs to order the delete.
func (e *Engine) tombstones(ctx context.Context, ms []memory.Memory) (*memory.Batch, error) {
	b := &memory.Batch{}
	now := e.Now()
	for _, m := range ms {
		links, err := e.store.Links(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			l.Deleted = true
			b.Links = append(b.Links, l)
		}
		m.State = memory.StateDeleted
		m.Content, m.Tags, m.Metadata = "", nil, nil
		m.UpdatedAt = now
		b.Memories = append(b.Memories, m)
	}
	return b, nil
}

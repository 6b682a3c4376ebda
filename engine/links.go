package engine

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// Link creates (or revives) a typed link between two active memories, and
// says how many nodes hold it (0 without federation).
func (e *Engine) Link(ctx context.Context, source, target string, rel memory.Relation) (*memory.Link, int, error) {
	if rel == "" {
		rel = memory.RelatedTo
	}
	if !rel.Valid() {
		return nil, 0, memory.Errorf(memory.CodeInvalid, "relation %q: want related_to, supersedes, contradicts or derived_from", rel)
	}
	if source == target {
		return nil, 0, memory.Errorf(memory.CodeInvalid, "a memory cannot link to itself")
	}
	for _, id := range []string{source, target} {
		if _, err := e.active(ctx, id); err != nil {
			return nil, 0, err
		}
	}
	b := &memory.Batch{Links: []memory.Link{{SourceID: source, TargetID: target, Relation: rel, CreatedAt: e.Now()}}}
	r, err := e.commit(ctx, "link", b)
	return &b.Links[0], r.acks, err
}

// Unlink tombstones a link, and says how many nodes hold the delete.
func (e *Engine) Unlink(ctx context.Context, source, target string, rel memory.Relation) (acks int, err error) {
	links, err := e.store.Links(ctx, source)
	if err != nil {
		return 0, err
	}
	for _, l := range links {
		if l.SourceID == source && l.TargetID == target && l.Relation == rel {
			l.Deleted = true
			r, err := e.commit(ctx, "unlink", &memory.Batch{Links: []memory.Link{l}})
			return r.acks, err
		}
	}
	return 0, memory.Errorf(memory.CodeNotFound, "no %s link from %s to %s", rel, source, target)
}

// Links lists the live links of an active memory, both directions.
func (e *Engine) Links(ctx context.Context, id string) ([]memory.Link, error) {
	if _, err := e.active(ctx, id); err != nil {
		return nil, err
	}
	links, err := e.store.Links(ctx, id)
	return nonNil(links), err
}

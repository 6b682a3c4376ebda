package engine

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// Link creates (or revives) a typed link between two active memories.
func (e *Engine) Link(ctx context.Context, source, target string, rel memory.Relation) (*memory.Link, error) {
	if rel == "" {
		rel = memory.RelatedTo
	}
	if !rel.Valid() {
		return nil, memory.Errorf(memory.CodeInvalid, "relation %q: want related_to, supersedes, contradicts or derived_from", rel)
	}
	if source == target {
		return nil, memory.Errorf(memory.CodeInvalid, "a memory cannot link to itself")
	}
	for _, id := range []string{source, target} {
		if _, err := e.active(ctx, id); err != nil {
			return nil, err
		}
	}
	l := memory.Link{SourceID: source, TargetID: target, Relation: rel, CreatedAt: e.Now(), Origin: e.node, Version: e.clock.Tick()}
	return &l, e.commit(ctx, &memory.Batch{Op: "link", Links: []memory.Link{l}})
}

// Unlink tombstones a link.
func (e *Engine) Unlink(ctx context.Context, source, target string, rel memory.Relation) error {
	links, err := e.store.Links(ctx, source)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.SourceID == source && l.TargetID == target && l.Relation == rel {
			e.clock.Observe(l.Version)
			l.Deleted, l.Origin, l.Version = true, e.node, e.clock.Tick()
			return e.commit(ctx, &memory.Batch{Op: "unlink", Links: []memory.Link{l}})
		}
	}
	return memory.Errorf(memory.CodeNotFound, "no %s link from %s to %s", rel, source, target)
}

// Links lists the live links of an active memory, both directions.
func (e *Engine) Links(ctx context.Context, id string) ([]memory.Link, error) {
	if _, err := e.active(ctx, id); err != nil {
		return nil, err
	}
	links, err := e.store.Links(ctx, id)
	return nonNil(links), err
}

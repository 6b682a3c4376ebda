package engine

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// Curate is the curator's write path: it commits rows the curator built
// from rows it read (an expired memory archived, the prior state an
// operation replaced put back, tombstones of what the operation created,
// its rollback record) as one batch under op, through the same commit as
// every other write. Every row becomes a new version from this node above
// the one it carries and every version this node's clock has seen, which
// includes the operation a rollback undoes: the clock issued or observed
// it, or was seeded past it when the store was opened. The title keys of
// the batch's memories are locked for the commit.
func (e *Engine) Curate(ctx context.Context, op string, b *memory.Batch) (acks int, err error) {
	keys := make([]string, 0, len(b.Memories))
	for _, m := range b.Memories {
		keys = append(keys, titleKey(m.Namespace, m.Title))
	}
	defer e.lock(keys...)()
	r, err := e.commit(ctx, op, b)
	return r.acks, err
}

package engine

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// Stats describes the active memories.
func (e *Engine) Stats(ctx context.Context) (memory.Stats, error) {
	st, err := e.store.Stats(ctx, e.Now())
	if st.ByTier == nil {
		st.ByTier = []memory.TierCount{}
	}
	if st.ByNamespace == nil {
		st.ByNamespace = []memory.NamespaceCount{}
	}
	return st, err
}

// Namespaces lists namespaces with their active memory counts.
func (e *Engine) Namespaces(ctx context.Context) ([]memory.NamespaceCount, error) {
	st, err := e.Stats(ctx)
	return st.ByNamespace, err
}

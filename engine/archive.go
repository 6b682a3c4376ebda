package engine

import (
	"context"
	"sort"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var archivedOnly = []memory.State{memory.StateArchived}

// ArchiveList pages through archived memories.
func (e *Engine) ArchiveList(ctx context.Context, q memory.ListQuery) (ListResult, error) {
	q.States = archivedOnly
	q.Now = time.Time{} // archived rows are listed whatever their expiry
	if err := checkFilters(&q); err != nil {
		return ListResult{}, err
	}
	q.Limit = clampLimit(q.Limit, DefaultListLimit, MaxListLimit)
	mems, more, err := e.store.ListMemories(ctx, q)
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{Memories: nonNil(mems), Count: len(mems), HasMore: more}
	if more && len(mems) > 0 {
		res.NextCursor = mems[len(mems)-1].ID
	}
	return res, nil
}

// ArchiveRestore brings an archived memory back, and says how many nodes
// hold it (0 without federation). Its expiry is cleared for long memories
// and renewed from now for the others, so the next gc does not archive it
// again.
func (e *Engine) ArchiveRestore(ctx context.Context, id string) (*memory.Memory, int, error) {
	rows, unlock, err := e.lockRows(ctx, []string{id}, e.archived, nil)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	m := &rows[0]
	now := e.Now()
	m.State, m.ArchivedAt, m.UpdatedAt = memory.StateActive, nil, now
	m.ExpiresAt, _ = e.expiry(m.Tier, now, nil, nil)
	return e.commitMemory(ctx, "restore", m)
}

// archived loads an archived memory.
func (e *Engine) archived(ctx context.Context, id string) (*memory.Memory, error) {
	m, err := e.store.GetMemory(ctx, id)
	if memory.IsNotFound(err) || err == nil && m.State != memory.StateArchived {
		return nil, memory.Errorf(memory.CodeNotFound, "archived memory %s not found", id)
	}
	return m, err
}

// ArchivePurge deletes archived memories for good (tombstones), optionally
// only those archived more than olderThanDays ago.
func (e *Engine) ArchivePurge(ctx context.Context, olderThanDays int, dryRun bool) (BulkResult, error) {
	if olderThanDays < 0 {
		return BulkResult{}, memory.Errorf(memory.CodeInvalid, "older_than_days must not be negative")
	}
	cutoff := e.Now().Add(-time.Duration(olderThanDays) * 24 * time.Hour)
	victims, err := e.scan(ctx, memory.ListQuery{States: archivedOnly}, func(m *memory.Memory) bool {
		return olderThanDays == 0 || m.ArchivedAt != nil && m.ArchivedAt.Before(cutoff)
	})
	if err != nil {
		return BulkResult{}, err
	}
	isArchived := func(m *memory.Memory) bool { return m.State == memory.StateArchived }
	return e.bulkWrite(ctx, "purge", victims, dryRun, isArchived, func(page []memory.Memory) (*memory.Batch, error) {
		return e.tombstones(ctx, page)
	})
}

// ArchiveStats counts archived memories per namespace.
type ArchiveStats struct {
	Total       int                     `json:"total"`
	ByNamespace []memory.NamespaceCount `json:"by_namespace"`
}

// ArchiveStats summarises the archive.
func (e *Engine) ArchiveStats(ctx context.Context) (ArchiveStats, error) {
	all, err := e.scan(ctx, memory.ListQuery{States: archivedOnly}, func(*memory.Memory) bool { return true })
	if err != nil {
		return ArchiveStats{}, err
	}
	counts := map[string]int{}
	var order []string
	for _, m := range all {
		if counts[m.Namespace] == 0 {
			order = append(order, m.Namespace)
		}
		counts[m.Namespace]++
	}
	st := ArchiveStats{Total: len(all), ByNamespace: []memory.NamespaceCount{}}
	sort.Strings(order)
	for _, ns := range order {
		st.ByNamespace = append(st.ByNamespace, memory.NamespaceCount{Namespace: ns, Count: counts[ns]})
	}
	return st, nil
}

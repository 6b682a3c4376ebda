package curator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Entry is a rollback entry: everything needed to put back the state an
// operation replaced. It is stored as a memory.Record of kind
// curator_rollback keyed by its id (a ULID, so keys sort by time) and
// replicates like any other row.
type Entry struct {
	ID        string    `json:"id"`
	Op        string    `json:"op"` // expire, consolidate, flag_contradiction, auto_tag, priority
	CreatedAt time.Time `json:"created_at"`
	NodeID    string    `json:"node_id"`
	// Before are the full memory rows and live links the operation changed,
	// as they were.
	Before      []memory.Memory `json:"before"`
	BeforeLinks []memory.Link   `json:"before_links"`
	// CreatedMemories and CreatedLinks did not exist before the operation;
	// a rollback deletes them.
	CreatedMemories []string      `json:"created_memories"`
	CreatedLinks    []memory.Link `json:"created_links"`
	// After maps each memory the operation wrote to the digest of its
	// user-visible fields right after; a rollback refuses when a memory has
	// changed since, rather than overwrite someone's later edit.
	After        map[string]string `json:"after"`
	RolledBackAt *time.Time        `json:"rolled_back_at,omitempty"`
}

// RollbackResult says what a rollback put back.
type RollbackResult struct {
	ID               string `json:"id"`
	Op               string `json:"op"`
	MemoriesRestored int    `json:"memories_restored"`
	MemoriesRemoved  int    `json:"memories_removed"`
	LinksRestored    int    `json:"links_restored"`
	LinksRemoved     int    `json:"links_removed"`
}

func (c *Curator) newEntry(op string) *Entry {
	now := c.eng.Now()
	return &Entry{ID: memory.NewID(now), Op: op, CreatedAt: now, NodeID: c.eng.NodeID(),
		Before: []memory.Memory{}, BeforeLinks: []memory.Link{}, CreatedMemories: []string{},
		CreatedLinks: []memory.Link{}, After: map[string]string{}}
}

// write commits the entry's record with the rows b must land with, in one
// batch through the engine's curator write path (Engine.Curate), which
// stamps every row as a new version from this node.
func (c *Curator) write(ctx context.Context, op string, e *Entry, b *memory.Batch) error {
	val, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b.Records = append(b.Records, memory.Record{Kind: memory.KindCuratorRollback, Key: e.ID, Value: val, UpdatedAt: c.eng.Now()})
	_, err = c.eng.Curate(ctx, op, b)
	return err
}

// Entries lists the rollback entries, oldest first.
func (c *Curator) Entries(ctx context.Context) ([]Entry, error) {
	recs, err := c.st.ListRecords(ctx, memory.KindCuratorRollback, "")
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(recs))
	for _, r := range recs {
		var e Entry
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, memory.Errorf(memory.CodeInternal, "rollback entry %s is unreadable: %v", r.Key, err)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// RollbackLast undoes the n newest entries not yet rolled back, newest
// first, stopping at the first that cannot be undone.
func (c *Curator) RollbackLast(ctx context.Context, n int) ([]RollbackResult, error) {
	if n <= 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "rollback-last %d: want 1 or more", n)
	}
	entries, err := c.Entries(ctx)
	if err != nil {
		return nil, err
	}
	out := []RollbackResult{}
	for i := len(entries) - 1; i >= 0 && len(out) < n; i-- {
		if entries[i].RolledBackAt != nil {
			continue
		}
		res, err := c.rollback(ctx, &entries[i])
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// Rollback undoes one entry.
func (c *Curator) Rollback(ctx context.Context, id string) (RollbackResult, error) {
	rec, err := c.st.GetRecord(ctx, memory.KindCuratorRollback, id)
	if memory.IsNotFound(err) {
		return RollbackResult{}, memory.Errorf(memory.CodeNotFound, "rollback entry %q not found", id)
	}
	if err != nil {
		return RollbackResult{}, err
	}
	var e Entry
	if err := json.Unmarshal(rec.Value, &e); err != nil {
		return RollbackResult{}, memory.Errorf(memory.CodeInternal, "rollback entry %s is unreadable: %v", id, err)
	}
	return c.rollback(ctx, &e)
}

// rollback re-applies the prior rows as new versions, so they win over
// the operation's rows everywhere they replicate, deletes what the
// operation created, and marks the entry done, all in one batch. Prior
// rows keep their own updated_at: the restored memory is the one that was
// there, not an edit of it.
func (c *Curator) rollback(ctx context.Context, e *Entry) (RollbackResult, error) {
	res := RollbackResult{ID: e.ID, Op: e.Op}
	if e.RolledBackAt != nil {
		return res, memory.Errorf(memory.CodeConflict, "rollback entry %s was already rolled back at %s", e.ID, e.RolledBackAt.Format(time.RFC3339))
	}
	ids := make([]string, 0, len(e.After))
	for id := range e.After {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cur, err := c.st.GetMemory(ctx, id)
		if err != nil {
			return res, err
		}
		if digest(*cur) != e.After[id] {
			return res, memory.Errorf(memory.CodeConflict, "memory %s changed after curator operation %s; rolling back would overwrite that change", id, e.ID)
		}
	}
	now := c.eng.Now()
	x := &memory.Batch{}
	restored := map[string]bool{}
	for _, m := range e.Before {
		x.Memories = append(x.Memories, m)
		res.MemoriesRestored++
	}
	for _, l := range e.BeforeLinks {
		restored[linkKey(l)] = true
		l.Deleted = false
		x.Links = append(x.Links, l)
		res.LinksRestored++
	}
	removeLink := func(l memory.Link) {
		if restored[linkKey(l)] {
			return
		}
		restored[linkKey(l)] = true
		l.Deleted = true
		x.Links = append(x.Links, l)
		res.LinksRemoved++
	}
	for _, id := range e.CreatedMemories {
		m, err := c.st.GetMemory(ctx, id)
		if err != nil {
			return res, err
		}
		links, err := c.st.Links(ctx, id)
		if err != nil {
			return res, err
		}
		for _, l := range links {
			removeLink(l)
		}
		if m.State != memory.StateDeleted {
			m.State, m.Content, m.Tags, m.Metadata, m.UpdatedAt = memory.StateDeleted, "", nil, nil, now
			x.Memories = append(x.Memories, *m)
			res.MemoriesRemoved++
		}
	}
	for _, l := range e.CreatedLinks {
		removeLink(l)
	}
	done := *e
	done.RolledBackAt = &now
	err := c.write(ctx, "curator_rollback", &done, x)
	if err != nil && memory.ErrorCode(err) != memory.CodeQuorumNotMet {
		return res, err
	}
	return res, err
}

func linkKey(l memory.Link) string {
	return l.SourceID + "\x00" + l.TargetID + "\x00" + string(l.Relation)
}

// digest hashes the user-visible fields of a memory: everything but the
// version stamp and the node-local usage counters, with times in UTC at the
// millisecond precision stores keep.
func digest(m memory.Memory) string {
	m.Version, m.Origin, m.AccessCount, m.LastAccessedAt = 0, "", 0, nil
	m.CreatedAt, m.UpdatedAt = ms(m.CreatedAt), ms(m.UpdatedAt)
	m.ExpiresAt, m.ArchivedAt = msPtr(m.ExpiresAt), msPtr(m.ArchivedAt)
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	b, _ := json.Marshal(m) // a Memory always marshals: its metadata came from JSON
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// idStrings collects every string in a JSON value that parses as an id.
func idStrings(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if memory.ValidID(x) {
				out = append(out, x)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return out
}

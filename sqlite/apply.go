package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Every upsert keeps the row with the greatest (version, origin): the WHERE
// of DO UPDATE skips an older or equal write, and RowsAffected tells whether
// the row was applied. An applied row takes the next change sequence.
const (
	upsertMemorySQL = `
INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence, source, agent_id,
	metadata, access_count, created_at, updated_at, last_accessed_at, expires_at, state, archived_at,
	origin, version, seq)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (id) DO UPDATE SET
	tier = excluded.tier, namespace = excluded.namespace, title = excluded.title,
	content = excluded.content, tags = excluded.tags, priority = excluded.priority,
	confidence = excluded.confidence, source = excluded.source, agent_id = excluded.agent_id,
	metadata = excluded.metadata,
	-- access statistics are local: a replicated write never lowers them
	access_count = max(access_count, excluded.access_count),
	last_accessed_at = CASE WHEN last_accessed_at IS NULL OR excluded.last_accessed_at > last_accessed_at
		THEN excluded.last_accessed_at ELSE last_accessed_at END,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	expires_at = excluded.expires_at, state = excluded.state, archived_at = excluded.archived_at,
	origin = excluded.origin, version = excluded.version, seq = excluded.seq
WHERE (excluded.version, excluded.origin) > (memories.version, memories.origin)
RETURNING rowid`

	// The full-text index follows the rows Apply wrote (applyMemories).
	// contentless_delete lets an entry be dropped by rowid alone, so the
	// index cannot drift the way an external-content table does when told
	// to delete text that differs from what was indexed.
	// CROSS JOIN makes SQLite walk the batch's list and seek each row;
	// "IN (SELECT … json_each)" scanned every active memory instead.
	unindexSQL = "DELETE FROM memories_fts WHERE rowid = ?"
	indexSQL   = "INSERT INTO memories_fts (rowid, title, content, tags, ns)" +
		" SELECT m.rowid, m.title, m.content, m.tags, 'ns' || hex(m.namespace)" +
		" FROM json_each(?) AS j CROSS JOIN memories m ON m.rowid = j.value WHERE m.state = 'active'"
	activeRowidsSQL = "SELECT m.rowid FROM json_each(?) AS j CROSS JOIN memories m ON m.id = j.value WHERE m.state = 'active'"
	// The same for one row, the size of most writes, without a JSON list.
	indexOneSQL = "INSERT INTO memories_fts (rowid, title, content, tags, ns)" +
		" SELECT rowid, title, content, tags, 'ns' || hex(namespace) FROM memories WHERE rowid = ? AND state = 'active'"
	activeRowidOneSQL = "SELECT rowid FROM memories WHERE id = ? AND state = 'active'"

	upsertLinkSQL = `
INSERT INTO links (source_id, target_id, relation, created_at, deleted, origin, version, seq)
VALUES (?,?,?,?,?,?,?,?)
ON CONFLICT (source_id, target_id, relation) DO UPDATE SET
	created_at = excluded.created_at, deleted = excluded.deleted,
	origin = excluded.origin, version = excluded.version, seq = excluded.seq
WHERE (excluded.version, excluded.origin) > (links.version, links.origin)`

	upsertRecordSQL = `
INSERT INTO records (kind, key, value, deleted, updated_at, origin, version, seq)
VALUES (?,?,?,?,?,?,?,?)
ON CONFLICT (kind, key) DO UPDATE SET
	value = excluded.value, deleted = excluded.deleted, updated_at = excluded.updated_at,
	origin = excluded.origin, version = excluded.version, seq = excluded.seq
WHERE (excluded.version, excluded.origin) > (records.version, records.origin)`

	// One statement for all the ids of a read (a recall touches ten):
	// each id is an index seek, as with one statement per id.
	touchSQL = `
UPDATE memories SET access_count = access_count + 1,
	last_accessed_at = CASE WHEN last_accessed_at IS NULL OR ?1 > last_accessed_at THEN ?1 ELSE last_accessed_at END
WHERE id IN (SELECT value FROM json_each(?2))`
)

type writeStmts struct {
	readSeq, writeSeq                      *sql.Stmt
	upsertMemory, upsertLink, upsertRecord *sql.Stmt
	touch, localSet                        *sql.Stmt
	activeRowids, unindex, index           *sql.Stmt
	activeRowidOne, indexOne               *sql.Stmt
}

func (st *writeStmts) prepare(conn *sql.Conn) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.readSeq, "SELECT last, max_version FROM change_seq WHERE id = 1"},
		{&st.writeSeq, "UPDATE change_seq SET last = ?, max_version = ? WHERE id = 1"},
		{&st.upsertMemory, upsertMemorySQL},
		{&st.upsertLink, upsertLinkSQL},
		{&st.upsertRecord, upsertRecordSQL},
		{&st.touch, touchSQL},
		{&st.localSet, "INSERT INTO local (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
		{&st.activeRowids, activeRowidsSQL},
		{&st.unindex, unindexSQL},
		{&st.index, indexSQL},
		{&st.activeRowidOne, activeRowidOneSQL},
		{&st.indexOne, indexOneSQL},
	} {
		stmt, err := conn.PrepareContext(context.Background(), p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql[:min(len(p.sql), 40)], err)
		}
		*p.dst = stmt
	}
	return nil
}

func (st *writeStmts) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.readSeq, st.writeSeq, st.upsertMemory, st.upsertLink, st.upsertRecord, st.touch, st.localSet,
		st.activeRowids, st.unindex, st.index, st.activeRowidOne, st.indexOne} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// Apply writes the rows of b that are newer than the stored ones, atomically,
// and returns when the transaction is durable.
func (s *Store) Apply(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	if b == nil || b.Empty() {
		return memory.ApplyResult{}, nil
	}
	// Check and encode everything before queueing: bad input costs the
	// writer nothing and never reaches the transaction.
	if err := b.Check(); err != nil {
		return memory.ApplyResult{}, err
	}
	rows, err := encodeBatch(b)
	if err != nil {
		return memory.ApplyResult{}, err
	}
	var res memory.ApplyResult
	err = s.w.do(ctx, false, func(tx *writeTx) error {
		res = memory.ApplyResult{}
		tx.maxVersion = max(tx.maxVersion, rows.maxVersion)
		st := &tx.w.stmts
		var err error
		if res.Memories, err = tx.applyMemories(rows); err != nil {
			return err
		}
		for _, args := range rows.links {
			n, err := tx.upsert(st.upsertLink, args)
			if err != nil {
				return fmt.Errorf("apply link %v>%v: %w", args[0], args[1], err)
			}
			res.Links += n
		}
		for _, args := range rows.records {
			n, err := tx.upsert(st.upsertRecord, args)
			if err != nil {
				return fmt.Errorf("apply record %v/%v: %w", args[0], args[1], err)
			}
			res.Records += n
		}
		return nil
	})
	if err != nil {
		return memory.ApplyResult{}, err
	}
	return res, nil
}

// applyMemories upserts the memory rows of a batch and brings the
// full-text index along: it drops the entries of applied rows that were
// indexed before, and indexes the applied rows (tx.index) when the
// transaction ends, or at once under a savepoint (tx.indexNow).
func (tx *writeTx) applyMemories(rows *encodedBatch) (int, error) {
	if len(rows.memories) == 0 {
		return 0, nil
	}
	st := &tx.w.stmts
	ids := make([]string, len(rows.memories))
	for i, args := range rows.memories {
		ids[i] = args[0].(string)
	}
	wasActive, err := tx.activeRowids(ids)
	if err != nil {
		return 0, err
	}
	applied := 0
	for _, args := range rows.memories {
		args[len(args)-1] = tx.nextSeq()
		var rowid int64
		err := st.upsertMemory.QueryRowContext(tx.ctx, args...).Scan(&rowid)
		if errors.Is(err, sql.ErrNoRows) {
			continue // not newer than the stored row
		}
		if err != nil {
			return 0, fmt.Errorf("apply memory %v: %w", args[0], err)
		}
		tx.take()
		applied++
		// An entry exists for a row that was active before this write
		// and is not waiting to be indexed (a row written earlier in the
		// transaction); drop it once, by rowid (contentless_delete).
		if wasActive[rowid] && !tx.index[rowid] {
			if _, err := st.unindex.ExecContext(tx.ctx, rowid); err != nil {
				return 0, fmt.Errorf("full-text index: %w", err)
			}
			delete(wasActive, rowid)
		}
		tx.index[rowid] = true // indexed if active when the index is written
	}
	if tx.indexNow {
		return applied, tx.writeIndex()
	}
	return applied, nil
}

// writeIndex indexes the rows waiting in tx.index that are active, in one
// statement: FTS5 writes its pending terms as a segment at every statement
// that touches it, and one segment for many rows when their rowids ascend.
func (tx *writeTx) writeIndex() error {
	if len(tx.index) == 0 {
		return nil
	}
	rowids := make([]int64, 0, len(tx.index))
	for rowid := range tx.index {
		rowids = append(rowids, rowid)
	}
	clear(tx.index)
	if len(rowids) == 1 {
		if _, err := tx.w.stmts.indexOne.ExecContext(tx.ctx, rowids[0]); err != nil {
			return fmt.Errorf("full-text index: %w", err)
		}
		return nil
	}
	slices.Sort(rowids)
	list, err := json.Marshal(rowids)
	if err != nil {
		return err
	}
	if _, err := tx.w.stmts.index.ExecContext(tx.ctx, string(list)); err != nil {
		return fmt.Errorf("full-text index: %w", err)
	}
	return nil
}

// activeRowids returns the rowids of the memories with these ids that are
// active now, so in the full-text index.
func (tx *writeTx) activeRowids(ids []string) (map[int64]bool, error) {
	if len(ids) == 1 {
		var rowid int64
		err := tx.w.stmts.activeRowidOne.QueryRowContext(tx.ctx, ids[0]).Scan(&rowid)
		if errors.Is(err, sql.ErrNoRows) {
			return map[int64]bool{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read memory to apply: %w", err)
		}
		return map[int64]bool{rowid: true}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rs, err := tx.w.stmts.activeRowids.QueryContext(tx.ctx, string(list))
	if err != nil {
		return nil, fmt.Errorf("read memories to apply: %w", err)
	}
	defer rs.Close()
	out := map[int64]bool{}
	for rs.Next() {
		var rowid int64
		if err := rs.Scan(&rowid); err != nil {
			return nil, err
		}
		out[rowid] = true
	}
	return out, rs.Err()
}

// upsert runs one upsert whose last argument is the sequence, and reports
// whether it applied.
func (tx *writeTx) upsert(stmt *sql.Stmt, args []any) (int, error) {
	args[len(args)-1] = tx.nextSeq()
	r, err := stmt.ExecContext(tx.ctx, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, err
	}
	if n > 0 {
		tx.take()
		return 1, nil
	}
	return 0, nil
}

// Touch counts a read of each memory without a new version. Touches commit
// without an fsync of their own (see writer.commit) but are never dropped:
// Close waits for them.
func (s *Store) Touch(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	ms := at.UnixMilli()
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.w.do(ctx, true, func(tx *writeTx) error {
		if _, err := tx.w.stmts.touch.ExecContext(tx.ctx, ms, string(list)); err != nil {
			return fmt.Errorf("touch %d memories: %w", len(ids), err)
		}
		return nil
	})
}

// LocalSet stores a node-local setting durably.
func (s *Store) LocalSet(ctx context.Context, key, value string) error {
	return s.w.do(ctx, false, func(tx *writeTx) error {
		_, err := tx.w.stmts.localSet.ExecContext(tx.ctx, key, value)
		return err
	})
}

// encodedBatch holds statement arguments, the sequence slot last.
type encodedBatch struct {
	memories, links, records [][]any
	maxVersion               int64
}

func invalidf(format string, args ...any) error {
	return memory.Errorf(memory.CodeInvalid, format, args...)
}

// encodeBatch turns a checked batch (Batch.Check) into statement arguments.
func encodeBatch(b *memory.Batch) (*encodedBatch, error) {
	e := &encodedBatch{
		memories: make([][]any, 0, len(b.Memories)),
		links:    make([][]any, 0, len(b.Links)),
		records:  make([][]any, 0, len(b.Records)),
	}
	for i := range b.Memories {
		args, err := memoryArgs(&b.Memories[i])
		if err != nil {
			return nil, err
		}
		e.memories = append(e.memories, args)
		e.maxVersion = max(e.maxVersion, int64(b.Memories[i].Version))
	}
	for _, l := range b.Links {
		e.maxVersion = max(e.maxVersion, int64(l.Version))
		e.links = append(e.links, []any{l.SourceID, l.TargetID, string(l.Relation), l.CreatedAt.UnixMilli(),
			l.Deleted, l.Origin, int64(l.Version), nil})
	}
	for _, r := range b.Records {
		value := string(r.Value)
		if len(r.Value) == 0 {
			value = "null"
		}
		e.maxVersion = max(e.maxVersion, int64(r.Version))
		e.records = append(e.records, []any{r.Kind, r.Key, value, r.Deleted, r.UpdatedAt.UnixMilli(),
			r.Origin, int64(r.Version), nil})
	}
	return e, nil
}

func memoryArgs(m *memory.Memory) ([]any, error) {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	tagsJSON, err := json.Marshal(tags)
	if err != nil {
		return nil, invalidf("memory %s: tags: %v", m.ID, err)
	}
	meta := m.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, invalidf("memory %s: metadata: %v", m.ID, err)
	}
	return []any{
		m.ID, string(m.Tier), m.Namespace, m.Title, m.Content, string(tagsJSON), m.Priority, m.Confidence,
		m.Source, m.AgentID, string(metaJSON), m.AccessCount, m.CreatedAt.UnixMilli(), m.UpdatedAt.UnixMilli(),
		millisOrNil(m.LastAccessedAt), millisOrNil(m.ExpiresAt), string(m.State), millisOrNil(m.ArchivedAt),
		m.Origin, int64(m.Version), nil,
	}, nil
}

func millisOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

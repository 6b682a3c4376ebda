package postgres

import (
	"context"
	"strings"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5"
)

// applyLock is the advisory lock every Apply transaction takes first, in
// shared mode: writers run side by side. Change_seq values are handed out
// when a row is written but become visible when its transaction commits, so
// seq 8 can commit before seq 7, and a sync peer paging with "seq > 7"
// would never see 7. Changes therefore reads the sequence's high mark, then
// takes the lock exclusively for an instant: every writer that drew a
// number up to that mark held the lock from before its draw, so once the
// exclusive grant comes each of them has committed or rolled back, and the
// page stops at the mark. A bulk load takes it exclusively for its whole
// transaction.
const applyLock = 0x61692d6d656d02

// Each kind is written with one INSERT … SELECT FROM unnest(column arrays)
// per batch: one statement instead of one per row, which is most of the
// cost of copying thousands of rows. The upsert keeps the stored row unless
// the incoming (version, origin) is greater: the WHERE of DO UPDATE is the
// last-writer-wins rule, and the statement's row count is the number
// applied. access_count and last_accessed_at are node-local read statistics:
// an insert takes the incoming values (a migration carries them over), a
// replace never lowers the local ones.
//
// Tags and metadata travel as JSON text: unnest would flatten an array of
// tag arrays into one list.
const upsertMemories = `
INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence,
	source, agent_id, metadata, access_count, created_at, updated_at, last_accessed_at,
	expires_at, state, archived_at, origin, version, fts, seq)
SELECT id, tier, namespace, title, content,
	ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), priority, confidence,
	source, agent_id, metadata::jsonb, access_count, created_at, updated_at, last_accessed_at,
	expires_at, state, archived_at, origin, version, fts::tsvector, nextval('change_seq')
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
	$7::integer[], $8::double precision[], $9::text[], $10::text[], $11::text[], $12::bigint[],
	$13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::text[],
	$18::timestamptz[], $19::text[], $20::bigint[], $21::text[])
	AS u(id, tier, namespace, title, content, tags, priority, confidence,
	source, agent_id, metadata, access_count, created_at, updated_at, last_accessed_at,
	expires_at, state, archived_at, origin, version, fts)
ORDER BY id COLLATE "C" -- row locks in id order, as Touch takes them: no deadlock cycle
ON CONFLICT (id) DO UPDATE SET
	tier = EXCLUDED.tier, namespace = EXCLUDED.namespace, title = EXCLUDED.title,
	content = EXCLUDED.content, tags = EXCLUDED.tags, priority = EXCLUDED.priority,
	confidence = EXCLUDED.confidence, source = EXCLUDED.source, agent_id = EXCLUDED.agent_id,
	metadata = EXCLUDED.metadata,
	access_count = GREATEST(memories.access_count, EXCLUDED.access_count),
	last_accessed_at = GREATEST(memories.last_accessed_at, EXCLUDED.last_accessed_at),
	created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
	expires_at = EXCLUDED.expires_at, state = EXCLUDED.state, archived_at = EXCLUDED.archived_at,
	origin = EXCLUDED.origin, version = EXCLUDED.version, fts = EXCLUDED.fts, seq = EXCLUDED.seq
WHERE (memories.version, memories.origin) < (EXCLUDED.version, EXCLUDED.origin)`

const upsertLinks = `
INSERT INTO links (source_id, target_id, relation, created_at, deleted, origin, version, seq)
SELECT source_id, target_id, relation, created_at, deleted, origin, version, nextval('change_seq')
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::boolean[], $6::text[], $7::bigint[])
	AS u(source_id, target_id, relation, created_at, deleted, origin, version)
ORDER BY source_id COLLATE "C", target_id COLLATE "C", relation COLLATE "C" -- key order: no deadlock cycle between writers
ON CONFLICT (source_id, target_id, relation) DO UPDATE SET
	created_at = EXCLUDED.created_at, deleted = EXCLUDED.deleted,
	origin = EXCLUDED.origin, version = EXCLUDED.version, seq = EXCLUDED.seq
WHERE (links.version, links.origin) < (EXCLUDED.version, EXCLUDED.origin)`

const upsertRecords = `
INSERT INTO records (kind, key, value, deleted, updated_at, origin, version, seq)
SELECT kind, key, value::jsonb, deleted, updated_at, origin, version, nextval('change_seq')
FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::text[], $7::bigint[])
	AS u(kind, key, value, deleted, updated_at, origin, version)
ORDER BY kind COLLATE "C", key COLLATE "C" -- key order: no deadlock cycle between writers
ON CONFLICT (kind, key) DO UPDATE SET
	value = EXCLUDED.value, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at,
	origin = EXCLUDED.origin, version = EXCLUDED.version, seq = EXCLUDED.seq
WHERE (records.version, records.origin) < (EXCLUDED.version, EXCLUDED.origin)`

// Apply writes the rows of b that win last-writer-wins, in one transaction.
func (s *Store) Apply(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var res memory.ApplyResult
	if b.Empty() {
		return res, nil
	}
	if err := checkBatch(b); err != nil {
		return res, err
	}
	mems, err := memoryColumnsOf(latestMemories(b.Memories))
	if err != nil {
		return res, err
	}
	links, recs := linkColumnsOf(latestLinks(b.Links)), recordColumnsOf(latestRecords(b.Records))
	// A batch is idempotent: its rows carry their versions, and the upsert
	// keeps a row unless the incoming version is greater. So a transaction
	// whose connection died, committed or not, is simply sent again until
	// it gets an answer or the operation's time is up; a second copy can
	// neither appear nor win over a newer write.
	err = s.retry(ctx, func() error { return s.applyOnce(ctx, mems, links, recs, &res) })
	if err != nil {
		return memory.ApplyResult{}, s.wrap(ctx, "apply", err)
	}
	return res, nil
}

// applyOnce is one attempt of Apply: one transaction under applyLock.
func (s *Store) applyOnce(ctx context.Context, mems, links, recs []any, res *memory.ApplyResult) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, int64(applyLock)); err != nil {
			return err
		}
		return upsertColumns(ctx, tx, mems, links, recs, res)
	})
}

// upsertColumns runs the three upserts on column arrays (nil: no rows of
// that kind) in tx, which holds applyLock, and counts the rows applied.
func upsertColumns(ctx context.Context, tx pgx.Tx, mems, links, recs []any, res *memory.ApplyResult) error {
	*res = memory.ApplyResult{}
	for _, w := range []struct {
		what string
		sql  string
		cols []any
		n    *int
	}{
		{"memories", upsertMemories, mems, &res.Memories},
		{"links", upsertLinks, links, &res.Links},
		{"records", upsertRecords, recs, &res.Records},
	} {
		if w.cols == nil {
			continue
		}
		tag, err := tx.Exec(ctx, w.sql, w.cols...)
		if err != nil {
			return wrap("apply "+w.what, err)
		}
		*w.n = int(tag.RowsAffected())
	}
	return nil
}

// checkBatch is Batch.Check plus the one thing PostgreSQL cannot store
// that SQLite can: a NUL character in text or in a JSON string.
func checkBatch(b *memory.Batch) error {
	if err := b.Check(); err != nil {
		return err
	}
	bad := func(format string, args ...any) error { return memory.Errorf(memory.CodeInvalid, format, args...) }
	for _, m := range b.Memories {
		if hasNUL(m.ID, m.Namespace, m.Title, m.Content, m.Source, m.AgentID, m.Origin) ||
			hasNUL(m.Tags...) || jsonHasNUL(m.Metadata) {
			return bad("memory %s: %s", m.ID, nulMessage)
		}
	}
	for i, l := range b.Links {
		if hasNUL(l.SourceID, l.TargetID, l.Origin) {
			return bad("link %d: %s", i, nulMessage)
		}
	}
	for i, r := range b.Records {
		if hasNUL(r.Kind, r.Key) {
			return bad("record %d: %s", i, nulMessage)
		}
	}
	return nil
}

// nulMessage explains the one input PostgreSQL cannot store that SQLite
// can: a NUL character in text or in a JSON string. (A record value with
// an escaped NUL is refused by the server, also as invalid input.)
const nulMessage = "contains a NUL character, which PostgreSQL text and JSON cannot hold"

func hasNUL(ss ...string) bool {
	for _, s := range ss {
		if strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
	return false
}

// jsonHasNUL looks for NUL in the keys and strings of decoded JSON.
func jsonHasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return hasNUL(v)
	case map[string]any:
		for k, e := range v {
			if hasNUL(k) || jsonHasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if jsonHasNUL(e) {
				return true
			}
		}
	}
	return false
}

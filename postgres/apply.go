package postgres

import (
	"context"
	"encoding/json"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5"
)

// applyLock is the advisory lock every Apply transaction takes first.
//
// Why serialise writers: change_seq values are handed out when a row is
// written but become visible when its transaction commits. With two writers
// in flight, seq 8 could commit before seq 7, and a sync peer paging with
// "seq > 7" would never see 7. Holding one transaction-scoped lock from
// before the first nextval until commit makes commit order equal seq order,
// so Changes never skips a row. The cost is one writer at a time per
// database, which the engine's write path already is on SQLite.
const applyLock = 0x61692d6d656d02

// Upserts keep the stored row unless the incoming (version, origin) is
// greater: the WHERE of DO UPDATE is the last-writer-wins rule, and a
// skipped row reports 0 rows affected. access_count and last_accessed_at are
// node-local, so a replace keeps the local values; an insert takes the
// incoming ones (a migration carries them over).
const upsertMemory = `
INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence,
	source, agent_id, metadata, access_count, created_at, updated_at, last_accessed_at,
	expires_at, state, archived_at, origin, version, seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	nextval('change_seq'))
ON CONFLICT (id) DO UPDATE SET
	tier = EXCLUDED.tier, namespace = EXCLUDED.namespace, title = EXCLUDED.title,
	content = EXCLUDED.content, tags = EXCLUDED.tags, priority = EXCLUDED.priority,
	confidence = EXCLUDED.confidence, source = EXCLUDED.source, agent_id = EXCLUDED.agent_id,
	metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at,
	updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
	state = EXCLUDED.state, archived_at = EXCLUDED.archived_at,
	origin = EXCLUDED.origin, version = EXCLUDED.version, seq = EXCLUDED.seq
WHERE (memories.version, memories.origin) < (EXCLUDED.version, EXCLUDED.origin)`

const upsertLink = `
INSERT INTO links (source_id, target_id, relation, created_at, deleted, origin, version, seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('change_seq'))
ON CONFLICT (source_id, target_id, relation) DO UPDATE SET
	created_at = EXCLUDED.created_at, deleted = EXCLUDED.deleted,
	origin = EXCLUDED.origin, version = EXCLUDED.version, seq = EXCLUDED.seq
WHERE (links.version, links.origin) < (EXCLUDED.version, EXCLUDED.origin)`

const upsertRecord = `
INSERT INTO records (kind, key, value, deleted, updated_at, origin, version, seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('change_seq'))
ON CONFLICT (kind, key) DO UPDATE SET
	value = EXCLUDED.value, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at,
	origin = EXCLUDED.origin, version = EXCLUDED.version, seq = EXCLUDED.seq
WHERE (records.version, records.origin) < (EXCLUDED.version, EXCLUDED.origin)`

// Apply writes the rows of b that win last-writer-wins, in one transaction.
// The statements go to the server as one pipeline, so a batch of a thousand
// rows costs one round trip, not a thousand.
func (s *Store) Apply(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	var res memory.ApplyResult
	if b.Empty() {
		return res, nil
	}
	if err := checkBatch(b); err != nil {
		return res, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(applyLock)); err != nil {
			return err
		}
		var q pgx.Batch
		for i := range b.Memories {
			m := &b.Memories[i]
			tags, meta := m.Tags, m.Metadata
			if tags == nil {
				tags = []string{}
			}
			if meta == nil {
				meta = map[string]any{}
			}
			q.Queue(upsertMemory, m.ID, string(m.Tier), m.Namespace, m.Title, m.Content, tags,
				m.Priority, m.Confidence, m.Source, m.AgentID, meta, m.AccessCount,
				m.CreatedAt, m.UpdatedAt, m.LastAccessedAt, m.ExpiresAt, string(m.State),
				m.ArchivedAt, m.Origin, int64(m.Version))
		}
		for _, l := range b.Links {
			q.Queue(upsertLink, l.SourceID, l.TargetID, string(l.Relation), l.CreatedAt,
				l.Deleted, l.Origin, int64(l.Version))
		}
		for _, r := range b.Records {
			var value any // SQL NULL for an absent value
			if len(r.Value) > 0 {
				value = string(r.Value)
			}
			q.Queue(upsertRecord, r.Kind, r.Key, value, r.Deleted, r.UpdatedAt, r.Origin, int64(r.Version))
		}
		br := tx.SendBatch(ctx, &q)
		defer br.Close()
		for i := range b.Memories {
			tag, err := br.Exec()
			if err != nil {
				return wrap("memory "+b.Memories[i].ID, err)
			}
			res.Memories += int(tag.RowsAffected())
		}
		for _, l := range b.Links {
			tag, err := br.Exec()
			if err != nil {
				return wrap("link "+l.SourceID+"->"+l.TargetID, err)
			}
			res.Links += int(tag.RowsAffected())
		}
		for _, r := range b.Records {
			tag, err := br.Exec()
			if err != nil {
				return wrap("record "+r.Kind+"/"+r.Key, err)
			}
			res.Records += int(tag.RowsAffected())
		}
		return br.Close()
	})
	if err != nil {
		return memory.ApplyResult{}, wrap("apply", err)
	}
	return res, nil
}

// checkBatch rejects rows no store could key or interpret, before anything
// is written, so a bad row fails the whole batch with a clear error.
func checkBatch(b *memory.Batch) error {
	bad := func(format string, args ...any) error { return memory.Errorf(memory.CodeInvalid, format, args...) }
	for i, m := range b.Memories {
		switch {
		case m.ID == "":
			return bad("memory %d: id is empty", i)
		case !m.Tier.Valid():
			return bad("memory %s: tier %q: want short, mid or long", m.ID, m.Tier)
		case m.State != memory.StateActive && m.State != memory.StateArchived && m.State != memory.StateDeleted:
			return bad("memory %s: state %q: want active, archived or deleted", m.ID, m.State)
		}
	}
	for i, l := range b.Links {
		switch {
		case l.SourceID == "" || l.TargetID == "":
			return bad("link %d: source_id and target_id are required", i)
		case !l.Relation.Valid():
			return bad("link %s->%s: relation %q: want related_to, supersedes, contradicts or derived_from", l.SourceID, l.TargetID, l.Relation)
		}
	}
	for i, r := range b.Records {
		switch {
		case r.Kind == "" || r.Key == "":
			return bad("record %d: kind and key are required", i)
		case len(r.Value) > 0 && !json.Valid(r.Value):
			return bad("record %s/%s: value is not valid JSON", r.Kind, r.Key)
		}
	}
	return nil
}

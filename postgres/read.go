package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5"
)

const memoryColumns = `id, tier, namespace, title, content, tags, priority, confidence, source,
	agent_id, metadata, access_count, created_at, updated_at, last_accessed_at, expires_at,
	state, archived_at, origin, version`

func scanMemory(row pgx.Row, extra ...any) (memory.Memory, error) {
	var m memory.Memory
	var tier, state string
	var version int64
	dest := append([]any{&m.ID, &tier, &m.Namespace, &m.Title, &m.Content, &m.Tags,
		&m.Priority, &m.Confidence, &m.Source, &m.AgentID, &m.Metadata, &m.AccessCount,
		&m.CreatedAt, &m.UpdatedAt, &m.LastAccessedAt, &m.ExpiresAt, &state, &m.ArchivedAt,
		&m.Origin, &version}, extra...)
	if err := row.Scan(dest...); err != nil {
		return m, err
	}
	m.Tier, m.State, m.Version = memory.Tier(tier), memory.State(state), memory.HLC(version)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	for _, p := range []**time.Time{&m.LastAccessedAt, &m.ExpiresAt, &m.ArchivedAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return m, nil
}

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return memory.ErrNotFound
	}
	return err
}

// GetMemory returns a memory in any state.
func (s *Store) GetMemory(ctx context.Context, id string) (*memory.Memory, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	m, err := scanMemory(s.pool.QueryRow(ctx, `SELECT `+memoryColumns+` FROM memories WHERE id = $1`, id))
	if err != nil {
		return nil, s.wrap(ctx, "get memory", notFound(err))
	}
	return &m, nil
}

// FindByTitle returns the active memory titled so in the namespace; if
// replication left more than one, the oldest id, so every node picks the same.
func (s *Store) FindByTitle(ctx context.Context, namespace, title string) (*memory.Memory, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	m, err := scanMemory(s.pool.QueryRow(ctx, `SELECT `+memoryColumns+` FROM memories
		WHERE namespace = $1 AND title = $2 AND state = 'active' ORDER BY id LIMIT 1`, namespace, title))
	if err != nil {
		return nil, s.wrap(ctx, "find by title", notFound(err))
	}
	return &m, nil
}

// where accumulates SQL conditions with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next $n for args.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// listFilters turns the filters of q (not its paging) into conditions.
func listFilters(q memory.ListQuery) (*where, error) {
	if q.Offset < 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "offset must not be negative")
	}
	w := &where{}
	if len(q.States) == 0 {
		w.add("state = 'active'")
	} else {
		states := make([]string, len(q.States))
		for i, st := range q.States {
			states[i] = string(st)
		}
		w.add("state = ANY(?)", states)
	}
	if q.Namespace != "" {
		w.add("namespace = ?", q.Namespace)
	}
	if q.Tier != "" {
		w.add("tier = ?", string(q.Tier))
	}
	if len(q.Tags) > 0 {
		w.add("tags @> ?::text[]", q.Tags)
	}
	if q.AgentID != "" {
		w.add("agent_id = ?", q.AgentID)
	}
	if q.MinPriority != 0 {
		w.add("priority >= ?", q.MinPriority)
	}
	if q.Since != nil {
		w.add("created_at >= ?", *q.Since)
	}
	if q.Until != nil {
		w.add("created_at < ?", *q.Until)
	}
	if !q.Now.IsZero() {
		w.add("(expires_at IS NULL OR expires_at > ?)", q.Now)
	}
	return w, nil
}

// DefaultLimit and MaxLimit are the shared store page sizes.
const (
	DefaultLimit = memory.DefaultPageLimit
	MaxLimit     = memory.MaxPageLimit
)

// paging appends keyset, offset and limit; limit+1 rows are asked for so
// the caller learns whether more exist.
func paging(w *where, q memory.ListQuery, limit int) string {
	if q.AfterID != "" {
		w.add("id > ?", q.AfterID)
	}
	w.args = append(w.args, limit+1)
	tail := fmt.Sprintf(" LIMIT $%d", len(w.args))
	if q.Offset > 0 {
		w.args = append(w.args, q.Offset)
		tail += fmt.Sprintf(" OFFSET $%d", len(w.args))
	}
	return tail
}

// ListMemories returns memories ordered by id.
func (s *Store) ListMemories(ctx context.Context, q memory.ListQuery) ([]memory.Memory, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	w, err := listFilters(q)
	if err != nil {
		return nil, false, err
	}
	limit := memory.PageLimit(q.Limit)
	tail := paging(w, q, limit)
	rows, err := s.pool.Query(ctx, `SELECT `+memoryColumns+` FROM memories`+w.sql()+` ORDER BY id`+tail, w.args...)
	if err != nil {
		return nil, false, s.wrap(ctx, "list memories", err)
	}
	mems, err := collectMemories(rows)
	if err != nil {
		return nil, false, s.wrap(ctx, "list memories", err)
	}
	more := len(mems) > limit
	if more {
		mems = mems[:limit]
	}
	return mems, more, nil
}

func collectMemories(rows pgx.Rows) ([]memory.Memory, error) {
	defer rows.Close()
	var out []memory.Memory
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountMemories counts what ListMemories would return without limits.
func (s *Store) CountMemories(ctx context.Context, q memory.ListQuery) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	w, err := listFilters(q)
	if err != nil {
		return 0, err
	}
	if q.AfterID != "" {
		w.add("id > ?", q.AfterID)
	}
	var n int
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM memories`+w.sql(), w.args...).Scan(&n)
	return n, s.wrap(ctx, "count memories", err)
}

// Touch bumps the node-local read statistics; no new version, no change
// seq. last_accessed_at only moves forward.
func (s *Store) Touch(ctx context.Context, ids []string, at time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if len(ids) == 0 {
		return nil
	}
	// Rows are locked in id order, as Apply locks them, so a Touch and an
	// Apply never wait on each other in a cycle.
	_, err := s.pool.Exec(ctx, `UPDATE memories SET access_count = access_count + 1,
		last_accessed_at = GREATEST(last_accessed_at, $2)
		WHERE id IN (SELECT id FROM memories WHERE id = ANY($1) ORDER BY id FOR UPDATE)`, ids, at)
	return s.wrap(ctx, "touch", err)
}

const linkColumns = `source_id, target_id, relation, created_at, deleted, origin, version`

func scanLink(row pgx.Row, extra ...any) (memory.Link, error) {
	var l memory.Link
	var rel string
	var version int64
	err := row.Scan(append([]any{&l.SourceID, &l.TargetID, &rel, &l.CreatedAt, &l.Deleted, &l.Origin, &version}, extra...)...)
	l.Relation, l.Version, l.CreatedAt = memory.Relation(rel), memory.HLC(version), l.CreatedAt.UTC()
	return l, err
}

// Links returns the live links touching id, oldest first.
func (s *Store) Links(ctx context.Context, id string) ([]memory.Link, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+linkColumns+` FROM links
		WHERE (source_id = $1 OR target_id = $1) AND NOT deleted
		ORDER BY created_at, source_id, target_id, relation`, id)
	if err != nil {
		return nil, s.wrap(ctx, "links", err)
	}
	defer rows.Close()
	var out []memory.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, s.wrap(ctx, "links", err)
		}
		out = append(out, l)
	}
	return out, s.wrap(ctx, "links", rows.Err())
}

const recordColumns = `kind, key, value, deleted, updated_at, origin, version`

func scanRecord(row pgx.Row, extra ...any) (memory.Record, error) {
	var r memory.Record
	var value []byte
	var version int64
	err := row.Scan(append([]any{&r.Kind, &r.Key, &value, &r.Deleted, &r.UpdatedAt, &r.Origin, &version}, extra...)...)
	if value != nil {
		r.Value = json.RawMessage(value)
	}
	r.Version, r.UpdatedAt = memory.HLC(version), r.UpdatedAt.UTC()
	return r, err
}

// GetRecord returns a live record.
func (s *Store) GetRecord(ctx context.Context, kind, key string) (*memory.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	r, err := scanRecord(s.pool.QueryRow(ctx, `SELECT `+recordColumns+` FROM records
		WHERE kind = $1 AND key = $2 AND NOT deleted`, kind, key))
	if err != nil {
		return nil, s.wrap(ctx, "get record", notFound(err))
	}
	return &r, nil
}

// ListRecords returns the live records of kind whose key starts with
// keyPrefix, by key. The prefix is matched literally (no LIKE wildcards).
func (s *Store) ListRecords(ctx context.Context, kind, keyPrefix string) ([]memory.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+recordColumns+` FROM records
		WHERE kind = $1 AND starts_with(key, $2) AND NOT deleted ORDER BY key`, kind, keyPrefix)
	if err != nil {
		return nil, s.wrap(ctx, "list records", err)
	}
	defer rows.Close()
	var out []memory.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, s.wrap(ctx, "list records", err)
		}
		out = append(out, r)
	}
	return out, s.wrap(ctx, "list records", rows.Err())
}

// LocalGet reads a node-local setting.
func (s *Store) LocalGet(ctx context.Context, key string) (string, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM local_settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.wrap(ctx, "local get", err)
	}
	return v, true, nil
}

// LocalSet writes a node-local setting; it is never part of Changes.
func (s *Store) LocalSet(ctx context.Context, key, value string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO local_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
	return s.wrap(ctx, "local set", err)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// DefaultLimit and MaxLimit are the shared store page sizes.
const (
	DefaultLimit = memory.DefaultPageLimit
	MaxLimit     = memory.MaxPageLimit
)

// GetMemory returns a memory in any state.
func (s *Store) GetMemory(ctx context.Context, id string) (*memory.Memory, error) {
	row := s.queryRow(ctx, "SELECT "+memoryColumns("m")+" FROM memories m WHERE m.id = ?", id)
	return oneMemory(row, "memory %s", id)
}

// findByTitleFrom: the unary + keeps the planner off the (namespace, id)
// index, which walks the whole namespace on every store; (namespace, title)
// finds the row at once.
const findByTitleFrom = " FROM memories m WHERE m.namespace = ? AND m.title = ? AND +m.state = 'active' ORDER BY +m.id LIMIT 1"

// FindByTitle returns the active memory with this exact title in namespace.
func (s *Store) FindByTitle(ctx context.Context, namespace, title string) (*memory.Memory, error) {
	row := s.queryRow(ctx, "SELECT "+memoryColumns("m")+findByTitleFrom, namespace, title)
	return oneMemory(row, "memory titled %q", title)
}

func oneMemory(row *sql.Row, what string, arg any) (*memory.Memory, error) {
	m, err := scanMemory(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, memory.Errorf(memory.CodeNotFound, what+" not found", arg)
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// where builds the SQL filter of a ListQuery over memories aliased m.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func filters(q *memory.ListQuery) *where {
	w := &where{}
	states := q.States
	if len(states) == 0 {
		states = []memory.State{memory.StateActive}
	}
	ph := make([]string, len(states))
	for i, st := range states {
		ph[i] = "?"
		w.args = append(w.args, string(st))
	}
	w.conds = append(w.conds, "m.state IN ("+strings.Join(ph, ",")+")")
	if q.Namespace != "" {
		w.add("m.namespace = ?", q.Namespace)
	}
	if q.Tier != "" {
		w.add("m.tier = ?", string(q.Tier))
	}
	for _, tag := range q.Tags {
		w.add("EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = ?)", tag)
	}
	if q.AgentID != "" {
		w.add("m.agent_id = ?", q.AgentID)
	}
	if q.MinPriority > 0 {
		w.add("m.priority >= ?", q.MinPriority)
	}
	if q.Since != nil {
		w.add("m.created_at >= ?", q.Since.UnixMilli())
	}
	if q.Until != nil {
		w.add("m.created_at < ?", q.Until.UnixMilli())
	}
	if !q.Now.IsZero() {
		w.add("(m.expires_at IS NULL OR m.expires_at > ?)", q.Now.UnixMilli())
	}
	return w
}

// ListMemories returns memories in id order, one page at a time.
func (s *Store) ListMemories(ctx context.Context, q memory.ListQuery) ([]memory.Memory, bool, error) {
	w := filters(&q)
	if q.AfterID != "" {
		w.add("m.id > ?", q.AfterID)
	}
	limit := memory.PageLimit(q.Limit)
	query := "SELECT " + memoryColumns("m") + " FROM memories m" + w.sql() + " ORDER BY m.id LIMIT ? OFFSET ?"
	rows, err := s.query(ctx, query, append(w.args, limit+1, max(q.Offset, 0))...)
	if err != nil {
		return nil, false, fmt.Errorf("list memories: %w", err)
	}
	defer rows.Close()
	var out []memory.Memory
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list memories: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// CountMemories counts the memories the filters of q select.
func (s *Store) CountMemories(ctx context.Context, q memory.ListQuery) (int, error) {
	w := filters(&q)
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM memories m"+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count memories: %w", err)
	}
	return n, nil
}

// Links returns the live links touching id, in either direction.
func (s *Store) Links(ctx context.Context, id string) ([]memory.Link, error) {
	rows, err := s.query(ctx,
		"SELECT "+linkColumns+" FROM links WHERE source_id = ?1 AND deleted = 0"+
			" UNION SELECT "+linkColumns+" FROM links WHERE target_id = ?1 AND deleted = 0"+
			" ORDER BY source_id, target_id, relation", id)
	if err != nil {
		return nil, fmt.Errorf("links of %s: %w", id, err)
	}
	defer rows.Close()
	var out []memory.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// GetRecord returns a live record.
func (s *Store) GetRecord(ctx context.Context, kind, key string) (*memory.Record, error) {
	r, err := scanRecord(s.queryRow(ctx,
		"SELECT "+recordColumns+" FROM records WHERE kind = ? AND key = ? AND deleted = 0", kind, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, memory.Errorf(memory.CodeNotFound, "record %s/%s not found", kind, key)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ListRecords returns the live records of kind whose key starts with prefix,
// by key. The prefix is a byte range, so '%' and '_' are plain characters.
func (s *Store) ListRecords(ctx context.Context, kind, prefix string) ([]memory.Record, error) {
	query := "SELECT " + recordColumns + " FROM records WHERE kind = ? AND deleted = 0 AND key >= ?"
	args := []any{kind, prefix}
	if end, ok := prefixEnd(prefix); ok {
		query += " AND key < ?"
		args = append(args, end)
	}
	rows, err := s.query(ctx, query+" ORDER BY key", args...)
	if err != nil {
		return nil, fmt.Errorf("list records %s: %w", kind, err)
	}
	defer rows.Close()
	var out []memory.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// prefixEnd is the least string greater than every string with prefix p,
// comparing bytes as SQLite's BINARY collation does; ok is false when there
// is none (p empty or all 0xFF).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// LocalGet reads a node-local setting.
func (s *Store) LocalGet(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.queryRow(ctx, "SELECT value FROM local WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("local setting %s: %w", key, err)
	}
	return v, true, nil
}

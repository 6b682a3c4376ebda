package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var memoryColumnNames = []string{
	"id", "tier", "namespace", "title", "content", "tags", "priority", "confidence", "source", "agent_id",
	"metadata", "access_count", "created_at", "updated_at", "last_accessed_at", "expires_at", "state",
	"archived_at", "origin", "version",
}

// memoryColumns lists the memory columns qualified by alias ("m").
func memoryColumns(alias string) string {
	return alias + "." + strings.Join(memoryColumnNames, ", "+alias+".")
}

type scanner interface{ Scan(dest ...any) error }

// scanMemory reads the columns of memoryColumns, then extra.
func scanMemory(sc scanner, extra ...any) (memory.Memory, error) {
	var (
		m                             memory.Memory
		tier, state, tags, meta       string
		created, updated              int64
		accessed, expires, archivedAt sql.NullInt64
		version                       int64
	)
	dest := append([]any{
		&m.ID, &tier, &m.Namespace, &m.Title, &m.Content, &tags, &m.Priority, &m.Confidence, &m.Source,
		&m.AgentID, &meta, &m.AccessCount, &created, &updated, &accessed, &expires, &state, &archivedAt,
		&m.Origin, &version,
	}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return m, err
	}
	m.Tier, m.State, m.Version = memory.Tier(tier), memory.State(state), memory.HLC(version)
	m.CreatedAt, m.UpdatedAt = fromMillis(created), fromMillis(updated)
	m.LastAccessedAt, m.ExpiresAt, m.ArchivedAt = nullTime(accessed), nullTime(expires), nullTime(archivedAt)
	// Most rows hold no metadata and few plain tags; decoding those without
	// encoding/json halves the cost of reading a row (searches read many).
	if m.Tags = plainTags(tags); m.Tags == nil {
		if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
			return m, fmt.Errorf("memory %s: stored tags: %w", m.ID, err)
		}
	}
	if meta != "{}" {
		if err := json.Unmarshal([]byte(meta), &m.Metadata); err != nil {
			return m, fmt.Errorf("memory %s: stored metadata: %w", m.ID, err)
		}
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	return m, nil
}

// plainTags decodes a JSON array of strings without escapes, as
// json.Marshal writes tags of plain characters; nil means "use
// encoding/json".
func plainTags(s string) []string {
	if s == "[]" {
		return []string{}
	}
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' || strings.ContainsAny(s, `\`) {
		return nil
	}
	var out []string
	for rest := s[1 : len(s)-1]; ; {
		if len(rest) < 2 || rest[0] != '"' {
			return nil
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil
		}
		out = append(out, rest[1:1+end])
		rest = rest[2+end:]
		if rest == "" {
			return out
		}
		if rest[0] != ',' {
			return nil
		}
		rest = rest[1:]
	}
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMillis(n.Int64)
	return &t
}

const linkColumns = "source_id, target_id, relation, created_at, deleted, origin, version"

func scanLink(sc scanner, extra ...any) (memory.Link, error) {
	var (
		l                memory.Link
		rel              string
		created, version int64
	)
	err := sc.Scan(append([]any{&l.SourceID, &l.TargetID, &rel, &created, &l.Deleted, &l.Origin, &version}, extra...)...)
	l.Relation, l.CreatedAt, l.Version = memory.Relation(rel), fromMillis(created), memory.HLC(version)
	return l, err
}

const recordColumns = "kind, key, value, deleted, updated_at, origin, version"

func scanRecord(sc scanner, extra ...any) (memory.Record, error) {
	var (
		r                memory.Record
		value            string
		updated, version int64
	)
	err := sc.Scan(append([]any{&r.Kind, &r.Key, &value, &r.Deleted, &updated, &r.Origin, &version}, extra...)...)
	r.Value, r.UpdatedAt, r.Version = json.RawMessage(value), fromMillis(updated), memory.HLC(version)
	return r, err
}

package original

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// column is one column a table is read by; absent is the SQL value read
// when an older schema lacks it ("" when it must exist).
type column struct{ name, absent string }

// feedTable is a table the feed copies, in feed order.
type feedTable struct {
	name     string
	required bool
	order    string
	columns  []column
	read     func(s *Source, ctx context.Context, rows *sql.Rows, b *memory.Batch) (int, error)
}

var memoryColumns = []column{
	{"id", ""}, {"tier", ""}, {"namespace", "'global'"}, {"title", ""}, {"content", ""}, {"tags", "'[]'"},
	{"priority", "5"}, {"confidence", "1.0"}, {"source", "'api'"}, {"access_count", "0"},
	{"created_at", ""}, {"updated_at", ""}, {"last_accessed_at", "NULL"}, {"expires_at", "NULL"},
	{"metadata", "'{}'"},
}

var feedTables = []feedTable{
	{name: "memories", required: true, order: "id", columns: memoryColumns,
		read: func(s *Source, _ context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
			return s.readMemories(rows, b, false)
		}},
	{name: "archived_memories", order: "id", columns: append(append([]column{}, memoryColumns...), column{"archived_at", ""}),
		read: func(s *Source, _ context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
			return s.readMemories(rows, b, true)
		}},
	{name: "memory_links", order: "source_id, target_id, relation",
		columns: []column{{"source_id", ""}, {"target_id", ""}, {"relation", "'related_to'"}, {"created_at", ""}},
		read:    (*Source).readLinks},
	{name: "namespace_meta", order: "namespace",
		columns: []column{{"namespace", ""}, {"standard_id", "NULL"}, {"updated_at", ""}, {"parent_namespace", "NULL"}},
		read:    (*Source).readStandards},
	{name: "pending_actions", order: "id",
		columns: []column{{"id", ""}, {"action_type", ""}, {"memory_id", "NULL"}, {"namespace", ""}, {"payload", "'{}'"},
			{"requested_by", ""}, {"requested_at", ""}, {"status", "'pending'"}, {"decided_by", "NULL"}, {"decided_at", "NULL"},
			{"approvals", "'[]'"}, {"default_timeout_seconds", "NULL"}, {"expired_at", "NULL"}},
		read: (*Source).readPending},
	{name: "subscriptions", order: "id",
		columns: []column{{"id", ""}, {"url", ""}, {"events", "'*'"}, {"secret_hash", "NULL"}, {"namespace_filter", "NULL"},
			{"agent_filter", "NULL"}, {"created_by", "NULL"}, {"created_at", ""}, {"last_dispatched_at", "NULL"},
			{"dispatch_count", "0"}, {"failure_count", "0"}, {"event_types", "NULL"}},
		read: (*Source).readSubscriptions},
}

// rawMemory is a row of memories or archived_memories as stored.
type rawMemory struct {
	id, tier, namespace, title, content, tags, source, created, updated, metadata sql.NullString
	lastAccessed, expires, archivedAt                                             sql.NullString
	priority, access                                                              sql.NullInt64
	confidence                                                                    sql.NullFloat64
}

func (r *rawMemory) dest(archived bool) []any {
	d := []any{&r.id, &r.tier, &r.namespace, &r.title, &r.content, &r.tags, &r.priority, &r.confidence, &r.source,
		&r.access, &r.created, &r.updated, &r.lastAccessed, &r.expires, &r.metadata}
	if archived {
		d = append(d, &r.archivedAt)
	}
	return d
}

func (s *Source) readMemories(rows *sql.Rows, b *memory.Batch, archived bool) (int, error) {
	table := "memories"
	if archived {
		table = "archived_memories"
	}
	n := 0
	for rows.Next() {
		n++
		var r rawMemory
		if err := rows.Scan(r.dest(archived)...); err != nil {
			s.problem("%s row %q: %v", table, r.id.String, err)
			continue
		}
		m, err := r.memory(archived, func(w string) { s.warn("%s %s: %s", table, r.id.String, w) })
		if err != nil {
			s.problem("%s %s: %v; not copied", table, r.id.String, err)
			continue
		}
		b.Memories = append(b.Memories, m)
	}
	return n, rows.Err()
}

// memory maps a row to a memory: times parsed (kept to the millisecond,
// the stores' precision), metadata.agent_id copied to the agent column,
// the agent registry's "agent:<id>" titles read as "<id>" (this program's
// registry form). The version is the row's last change, so the same row
// read again is the same version and a re-import changes nothing. warn
// hears about values read with a change.
func (r *rawMemory) memory(archived bool, warn func(string)) (memory.Memory, error) {
	m := memory.Memory{ID: r.id.String, Tier: memory.Tier(r.tier.String), Namespace: r.namespace.String,
		Title: r.title.String, Content: r.content.String, Priority: int(r.priority.Int64),
		Confidence: r.confidence.Float64, Source: r.source.String, AccessCount: r.access.Int64,
		State: memory.StateActive, Origin: engine.ImportOrigin}
	if !memory.ValidID(m.ID) {
		return m, fmt.Errorf("id %q is neither a UUID nor a ULID", m.ID)
	}
	if !m.Tier.Valid() {
		warn(fmt.Sprintf("tier %q read as mid, as the original reads it", m.Tier))
		m.Tier = memory.TierMid
	}
	var err error
	if m.CreatedAt, err = parseTime(r.created.String); err != nil {
		return m, fmt.Errorf("created_at: %v", err)
	}
	if m.UpdatedAt, err = parseTime(r.updated.String); err != nil {
		return m, fmt.Errorf("updated_at: %v", err)
	}
	if m.LastAccessedAt, err = parseOptionalTime(r.lastAccessed); err != nil {
		return m, fmt.Errorf("last_accessed_at: %v", err)
	}
	if m.ExpiresAt, err = parseOptionalTime(r.expires); err != nil {
		return m, fmt.Errorf("expires_at: %v", err)
	}
	changed := m.UpdatedAt
	if archived {
		at, err := parseTime(r.archivedAt.String)
		if err != nil {
			return m, fmt.Errorf("archived_at: %v", err)
		}
		m.State, m.ArchivedAt = memory.StateArchived, &at
		changed = maxTime(changed, at)
	}
	m.Version = memory.MakeHLC(changed.UnixMilli(), 0)
	if err := json.Unmarshal([]byte(r.tags.String), &m.Tags); err != nil {
		warn(fmt.Sprintf("tags %q are not a JSON array of strings; read as none", r.tags.String))
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if err := json.Unmarshal([]byte(r.metadata.String), &m.Metadata); err != nil || m.Metadata == nil {
		if r.metadata.String != "{}" {
			warn(fmt.Sprintf("metadata %.80q is not a JSON object; read as {}, as the original reads it", r.metadata.String))
		}
		m.Metadata = map[string]any{}
	}
	if a, ok := m.Metadata["agent_id"].(string); ok {
		if memory.ValidateToken("agent_id", a, memory.MaxAgentIDLen) == nil {
			m.AgentID = a
		} else {
			warn(fmt.Sprintf("metadata.agent_id %q is not an agent id here; the agent column is left empty", a))
		}
	}
	if m.Namespace == memory.NamespaceAgents {
		m.Title = strings.TrimPrefix(m.Title, "agent:")
	}
	if err := memory.Validate(&m); err != nil {
		warn(fmt.Sprintf("kept as it is, but outside this program's limits (%v): a later update must fix it", err))
	}
	return m, nil
}

func (s *Source) readLinks(_ context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
	n := 0
	for rows.Next() {
		n++
		var src, dst, rel, created sql.NullString
		if err := rows.Scan(&src, &dst, &rel, &created); err != nil {
			s.problem("memory_links row: %v", err)
			continue
		}
		what := fmt.Sprintf("link %s -%s-> %s", src.String, rel.String, dst.String)
		l := memory.Link{SourceID: src.String, TargetID: dst.String, Relation: memory.Relation(rel.String), Origin: engine.ImportOrigin}
		if !l.Relation.Valid() {
			s.problem("%s: unknown relation; not copied", what)
			continue
		}
		t, err := parseTime(created.String)
		if err != nil {
			s.problem("%s: created_at: %v; not copied", what, err)
			continue
		}
		l.CreatedAt, l.Version = t, memory.MakeHLC(t.UnixMilli(), 0)
		b.Links = append(b.Links, l)
	}
	return n, rows.Err()
}

// readStandards maps namespace_meta: a standard memory (whose
// metadata.governance.write "approve" means writes need approval) and a
// parent namespace.
func (s *Source) readStandards(ctx context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
	type row struct{ ns, std, updated, parent sql.NullString }
	var page []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ns, &r.std, &r.updated, &r.parent); err != nil {
			s.problem("namespace_meta row: %v", err)
			continue
		}
		page = append(page, r)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range page {
		at, err := parseTime(r.updated.String)
		if err != nil {
			s.problem("namespace_meta %s: updated_at: %v; not copied", r.ns.String, err)
			continue
		}
		v := engine.StandardValue{MemoryID: r.std.String, Parent: r.parent.String}
		if v.MemoryID != "" {
			if m, err := s.GetMemory(ctx, v.MemoryID); err == nil {
				gov, _ := m.Metadata["governance"].(map[string]any)
				v.RequireApproval = gov["write"] == "approve"
			}
		}
		rec, err := record(memory.KindNamespaceStandard, r.ns.String, v, at)
		if err != nil {
			return 0, err
		}
		b.Records = append(b.Records, rec)
	}
	return len(page), nil
}

func (s *Source) readPending(_ context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
	n := 0
	for rows.Next() {
		n++
		var id, action, memID, ns, payload, by, at, status, decidedBy, decidedAt, approvals, expiredAt sql.NullString
		var timeout sql.NullInt64
		if err := rows.Scan(&id, &action, &memID, &ns, &payload, &by, &at, &status, &decidedBy, &decidedAt,
			&approvals, &timeout, &expiredAt); err != nil {
			s.problem("pending_actions row %q: %v", id.String, err)
			continue
		}
		p := engine.Pending{ID: id.String, Action: action.String, Namespace: ns.String, MemoryID: memID.String,
			RequestedBy: by.String, Status: status.String, DecidedBy: decidedBy.String, Imported: map[string]any{}}
		var err error
		if p.RequestedAt, err = parseTime(at.String); err != nil {
			s.problem("pending_actions %s: requested_at: %v; not copied", p.ID, err)
			continue
		}
		if p.DecidedAt, err = parseOptionalTime(decidedAt); err != nil {
			s.problem("pending_actions %s: decided_at: %v; not copied", p.ID, err)
			continue
		}
		changed := p.RequestedAt
		if p.DecidedAt != nil {
			changed = maxTime(changed, *p.DecidedAt)
		}
		var raw any
		if json.Unmarshal([]byte(payload.String), &raw) == nil {
			p.Imported["payload"] = raw
		} else {
			p.Imported["payload"] = payload.String
		}
		if p.Action == engine.ActionStore && json.Unmarshal([]byte(payload.String), &p.Memory) != nil {
			s.warn("pending_actions %s: payload is not a memory; kept under imported.payload only", p.ID)
		}
		var list []any
		if json.Unmarshal([]byte(approvals.String), &list) == nil && len(list) > 0 {
			p.Imported["approvals"] = list
		}
		if timeout.Valid {
			p.Imported["default_timeout_seconds"] = timeout.Int64
		}
		if expiredAt.Valid {
			p.Imported["expired_at"] = expiredAt.String
			if t, err := parseTime(expiredAt.String); err == nil {
				changed = maxTime(changed, t)
			}
		}
		rec, err := record(memory.KindPending, p.ID, p, changed)
		if err != nil {
			return n, err
		}
		b.Records = append(b.Records, rec)
	}
	return n, rows.Err()
}

func (s *Source) readSubscriptions(_ context.Context, rows *sql.Rows, b *memory.Batch) (int, error) {
	n := 0
	for rows.Next() {
		n++
		var id, url, events, secretHash, nsFilter, agentFilter, createdBy, created, lastDispatched, eventTypes sql.NullString
		var dispatched, failed sql.NullInt64
		if err := rows.Scan(&id, &url, &events, &secretHash, &nsFilter, &agentFilter, &createdBy, &created, &lastDispatched,
			&dispatched, &failed, &eventTypes); err != nil {
			s.problem("subscriptions row %q: %v", id.String, err)
			continue
		}
		sub := engine.Subscription{ID: id.String, URL: url.String, Namespace: nsFilter.String, Events: []string{},
			AgentID: createdBy.String, AgentFilter: agentFilter.String, SecretHash: secretHash.String,
			Imported: map[string]any{"dispatch_count": dispatched.Int64, "failure_count": failed.Int64}}
		for _, ev := range strings.Split(events.String, ",") {
			if ev = strings.TrimSpace(ev); ev != "" {
				sub.Events = append(sub.Events, ev)
			}
		}
		var err error
		if sub.CreatedAt, err = parseTime(created.String); err != nil {
			s.problem("subscriptions %s: created_at: %v; not copied", sub.ID, err)
			continue
		}
		if lastDispatched.Valid {
			sub.Imported["last_dispatched_at"] = lastDispatched.String
		}
		if eventTypes.Valid {
			var types any
			if json.Unmarshal([]byte(eventTypes.String), &types) == nil {
				sub.Imported["event_types"] = types
			} else {
				sub.Imported["event_types"] = eventTypes.String
			}
		}
		rec, err := record(memory.KindSubscription, sub.ID, sub, sub.CreatedAt)
		if err != nil {
			return n, err
		}
		b.Records = append(b.Records, rec)
	}
	return n, rows.Err()
}

// record builds an imported record whose version is its last change.
func record(kind, key string, v any, at time.Time) (memory.Record, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return memory.Record{}, fmt.Errorf("encode %s %s: %w", kind, key, err)
	}
	return memory.Record{Kind: kind, Key: key, Value: raw, UpdatedAt: at, Origin: engine.ImportOrigin,
		Version: memory.MakeHLC(at.UnixMilli(), 0)}, nil
}

// timeLayouts are the forms the original writes: RFC 3339 with 0 to 9
// fraction digits and an offset, and SQLite's own datetime text.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// parseTime reads a timestamp, in UTC and to the millisecond.
func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
}

func parseOptionalTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

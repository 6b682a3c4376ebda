// Package originaltest writes databases of the original ai-memory (schema
// version 28) for tests: every table populated, with the edge cases an
// import must carry (unicode text and namespaces, 64 KiB content, archived
// and expired rows, links both ways, pending actions in every state,
// corrupt metadata, a tag with commas).
package originaltest

import (
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// IDs of fixture rows tests refer to.
const (
	Plain     = "0b6c5b8e-1d2f-4a3b-9c4d-5e6f7a8b9c01"
	Unicode   = "1c7d6c9f-2e3a-4b4c-8d5e-6f7a8b9cad02"
	Big       = "2d8e7dae-3f4b-4c5d-9e6f-7a8b9cadbe03"
	Expired   = "3e9f8ebf-4a5c-4d6e-8f7a-8b9cadbecf04"
	Standard  = "4fa09fc0-5b6d-4e7f-9a8b-9cadbecfd005"
	Global    = "50b1a0d1-6c7e-4f8a-8b9c-adbecfd0e106"
	Corrupt   = "61c2b1e2-7d8f-4a9b-9cad-becfd0e1f207"
	Message   = "72d3c2f3-8e9a-4bac-8dbe-cfd0e1f20308"
	AgentA    = "83e4d304-9fab-4cbd-9ecf-d0e1f2031409"
	AgentB    = "94f5e415-a0bc-4dce-8fd0-e1f20314250a"
	Archived1 = "a506f526-b1cd-4edf-9ae1-f2031425360b"
	Archived2 = "b61706a7-c2de-4fe0-8bf2-03142536470c"
	Pending1  = "c72817b8-d3ef-4af1-9c03-14253647580d"
	Sub1      = "d83928c9-e4f0-4b02-8d14-25364758690e"
)

// Fixture says what a built database holds.
type Fixture struct {
	Path string
	// Rows is the number of rows per kind an import must produce
	// (memories, agents, archived, links, namespace_standard, pending,
	// subscription).
	Rows map[string]int
	// NotCopied is the row count of every table with no equivalent.
	NotCopied map[string]int
	// BigContent is the content of memory Big: 65 536 bytes.
	BigContent string
}

// Options vary the database.
type Options struct {
	// Broken adds rows no import can read: a memory whose created_at is
	// not a time and a link with an unknown relation.
	Broken bool
}

// BigContent is 65 536 bytes of UTF-8 ending in multi-byte characters.
func bigContent() string {
	tail := strings.Repeat("é", 1000) // 2000 bytes
	return strings.Repeat("x", 65536-len(tail)) + tail
}

// Build writes a version-28 database at path (which must not exist).
func Build(path string, opts Options) (*Fixture, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"); err != nil {
		return nil, err
	}
	if _, err := db.Exec(schemaV28); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	f := &Fixture{Path: path, BigContent: bigContent()}
	stmts := []struct {
		query string
		args  []any
	}{
		// memories: the timestamps carry 9, 6, 3 and 0 fraction digits, as
		// the original writes them on different platforms.
		{memoryInsert, []any{Plain, "mid", "ops", "deploy checklist", "drain, migrate, canary, promote", `["deploy","ops"]`, 7, 0.9, "cli", 3,
			"2026-04-30T14:59:09.993544123+00:00", "2026-05-01T08:00:00.123456789+00:00", "2026-05-02T09:30:00.5+00:00", "2099-01-01T00:00:00+00:00",
			`{"agent_id":"claude-code","scope":"team"}`}},
		{memoryInsert, []any{Unicode, "long", "notes/日本", "日本語のメモ 🧠 — naïve café", "Ünïcödé: مرحبا, שלום, 你好, emoji 🧪🚀, combining é (e\u0301)",
			`["unicode","日本","café"]`, 5, 1.0, "user", 0, "2026-04-01T00:00:00.000001+00:00", "2026-04-01T00:00:00.000001+00:00", nil, nil,
			`{"agent_id":"planner","nested":{"list":[1,2,3],"ok":true}}`}},
		{memoryInsert, []any{Big, "long", "ops", "big content", f.BigContent, `[]`, 5, 1.0, "import", 0,
			"2026-04-02T10:00:00.123+00:00", "2026-04-02T10:00:00.123+00:00", nil, nil, `{}`}},
		{memoryInsert, []any{Expired, "short", "ops", "expired but not collected", "gc never ran", `["tmp","a,b"]`, 1, 0.25, "hook", 0,
			"2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05+00:00", nil, "2026-01-02T09:04:05+00:00", `{"agent_id":"hook-runner"}`}},
		{memoryInsert, []any{Standard, "long", "team", "team standard", "review every write", `["standard"]`, 9, 1.0, "claude", 0,
			"2026-03-01T12:00:00.000000000+00:00", "2026-03-01T12:00:00.000000000+00:00", nil, nil,
			`{"agent_id":"lead","governance":{"approver":"human","delete":"owner","inherit":true,"promote":"any","write":"approve"}}`}},
		{memoryInsert, []any{Global, "long", "global", "be kind", "everywhere", `[]`, 5, 1.0, "claude", 0,
			"2026-03-01T12:00:01+00:00", "2026-03-01T12:00:01+00:00", nil, nil, `{}`}},
		{memoryInsert, []any{Corrupt, "mid", "ops", "corrupt metadata", "the original reads it as {}", `[]`, 5, 1.0, "api", 0,
			"2026-03-03T00:00:00+00:00", "2026-03-03T00:00:00+00:00", nil, "2099-01-01T00:00:00+00:00", `{not json`}},
		{memoryInsert, []any{Message, "mid", "_messages/planner", "build is green", `{"text":"ship it"}`, `[]`, 5, 1.0, "api", 0,
			"2026-03-04T00:00:00+00:00", "2026-03-04T00:00:00+00:00", nil, "2099-01-01T00:00:00+00:00",
			`{"agent_id":"claude-code","message_kind":"notify","recipient_agent_id":"planner"}`}},
		{memoryInsert, []any{AgentA, "long", "_agents", "agent:claude-code", `{"agent_id":"claude-code","agent_type":"ai:claude-opus-4.6"}`,
			`["agent-registration"]`, 5, 1.0, "system", 0, "2026-02-01T00:00:00+00:00", "2026-02-02T00:00:00+00:00", nil, nil,
			`{"agent_id":"claude-code","agent_type":"ai:claude-opus-4.6","capabilities":["code","review"],"last_seen_at":"2026-02-02T00:00:00+00:00","registered_at":"2026-02-01T00:00:00+00:00"}`}},
		{memoryInsert, []any{AgentB, "long", "_agents", "agent:planner", `{"agent_id":"planner","agent_type":"human"}`,
			`["agent-registration"]`, 5, 1.0, "system", 0, "2026-02-03T00:00:00+00:00", "2026-02-03T00:00:00+00:00", nil, nil,
			`{"agent_id":"planner","agent_type":"human","capabilities":[],"last_seen_at":"2026-02-03T00:00:00+00:00","registered_at":"2026-02-03T00:00:00+00:00"}`}},

		{archivedInsert, []any{Archived1, "short", "ops", "old incident", "disk full on node 3", `["incident"]`, 6, 1.0, "cli", 2,
			"2025-12-01T00:00:00+00:00", "2025-12-01T00:00:00+00:00", "2025-12-01T01:00:00+00:00", "2025-12-01T06:00:00+00:00",
			"2025-12-02T00:00:00.250+00:00", "ttl_expired", `{"agent_id":"claude-code"}`, "short", "2025-12-01T06:00:00+00:00"}},
		{archivedInsert, []any{Archived2, "mid", "notes/日本", "forgotten ✂", "forgotten on purpose", `[]`, 5, 1.0, "user", 0,
			"2025-11-01T00:00:00+00:00", "2025-11-02T00:00:00+00:00", nil, nil,
			"2025-11-03T00:00:00+00:00", "forget", `{}`, "long", nil}},

		// links: both ways between two memories, one to an expired
		// memory, one carrying the temporal and signature columns. (The
		// original cascades a memory's links away when it is archived.)
		{linkInsert, []any{Plain, Unicode, "related_to", "2026-05-01T00:00:00+00:00", "2026-05-01T00:00:00+00:00", nil, nil, nil, "unsigned"}},
		{linkInsert, []any{Unicode, Plain, "supersedes", "2026-05-01T00:00:01.5+00:00", "2026-05-01T00:00:01.5+00:00", nil, nil, nil, "unsigned"}},
		{linkInsert, []any{Big, Expired, "derived_from", "2026-05-01T00:00:02+00:00", "2026-05-01T00:00:02+00:00", nil, nil, nil, "unsigned"}},
		{linkInsert, []any{Plain, Big, "contradicts", "2026-05-01T00:00:03+00:00", "2026-04-01T00:00:00+00:00", "2026-06-01T00:00:00+00:00",
			"reviewer", make([]byte, 64), "peer_attested"}},

		{"INSERT INTO namespace_meta (namespace, standard_id, updated_at, parent_namespace) VALUES (?, ?, ?, ?)",
			[]any{"team", Standard, "2026-03-01T12:00:02+00:00", "org"}},
		{"INSERT INTO namespace_meta (namespace, standard_id, updated_at, parent_namespace) VALUES (?, ?, ?, ?)",
			[]any{"*", Global, "2026-03-01T12:00:03+00:00", nil}},
		{"INSERT INTO namespace_meta (namespace, standard_id, updated_at, parent_namespace) VALUES (?, ?, ?, ?)",
			[]any{"org", nil, "2026-03-01T12:00:04+00:00", nil}},

		{pendingInsert, []any{Pending1, "store", nil, "team", `{"title":"new rule","content":"needs a review","tier":"long","namespace":"team","tags":["rule"],"priority":6}`,
			"claude-code", "2026-03-05T00:00:00+00:00", "pending", nil, nil, `[]`, 86400, nil}},
		{pendingInsert, []any{"e94a39da-f501-4c13-9e25-36475869710f", "delete", Plain, "ops", `{}`, "planner", "2026-03-05T01:00:00+00:00",
			"approved", "lead", "2026-03-05T02:00:00+00:00", `[{"agent_id":"lead","approved_at":"2026-03-05T02:00:00+00:00"}]`, nil, nil}},
		{pendingInsert, []any{"fa5b4aeb-0612-4d24-8f36-475869708210", "promote", Unicode, "notes/日本", `{"to_namespace":"notes"}`, "planner",
			"2026-03-05T03:00:00+00:00", "rejected", "lead", "2026-03-05T04:00:00+00:00", `[]`, nil, nil}},
		{pendingInsert, []any{"0b6c5bfc-1723-4e35-9047-586970819311", "store", nil, "team", `{"title":"stale","content":"nobody decided"}`,
			"hook-runner", "2026-03-06T00:00:00+00:00", "expired", nil, nil, `[]`, 60, "2026-03-06T00:01:00+00:00"}},

		{subInsert, []any{Sub1, "https://hooks.example.com/memory", "memory_store,memory_delete",
			"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "team", "claude-code", "lead",
			"2026-03-07T00:00:00+00:00", "2026-03-08T00:00:00+00:00", 12, 1, `["memory_store","memory_delete"]`}},
		{subInsert, []any{"e94a3a0d-f534-4f46-a158-69708192a412", "http://127.0.0.1:9/all", "*", nil, nil, nil, nil,
			"2026-03-07T00:00:01+00:00", nil, 0, 0, nil}},

		// Tables with no equivalent here.
		{"INSERT INTO sync_state VALUES ('claude-code', 'peer-1', '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00', NULL)", nil},
		{"INSERT INTO entity_aliases VALUES (?, 'cc', '2026-03-01T00:00:00+00:00'), (?, 'claude', '2026-03-01T00:00:00+00:00')", []any{AgentA, AgentA}},
		{"INSERT INTO audit_log VALUES ('0c7d6c0d-1e2f-4a3b-8c4d-5e6f7a8b9c10', 'claude-code', 'capability_expansion', 'kg', 1, 'self', '2026-03-01T00:00:00+00:00')", nil},
		{"INSERT INTO memory_transcripts VALUES ('1d8e7d1e-2f3a-4b4c-9d5e-6f7a8b9cad11', 'ops', '2026-03-01T00:00:00+00:00', NULL, 4, 4, 3, x'28b52ffd', NULL)", nil},
		{"INSERT INTO memory_transcript_links VALUES (?, '1d8e7d1e-2f3a-4b4c-9d5e-6f7a8b9cad11', 0, 4)", []any{Plain}},
		{"INSERT INTO signed_events VALUES ('2e9f8e2f-3a4b-4c5d-8e6f-7a8b9cadbe12', 'claude-code', 'store', x'00', NULL, 'unsigned', '2026-03-01T00:00:00+00:00')", nil},
		{"INSERT INTO subscription_events (subscription_id, correlation_id, event_type, payload, delivered_at, delivery_status) VALUES (?, 'c1', 'memory_store', '{}', '2026-03-08T00:00:00+00:00', 'ack'), (?, 'c2', 'memory_store', '{}', '2026-03-08T00:00:01+00:00', 'failed')", []any{Sub1, Sub1}},
		{"INSERT INTO subscription_dlq (subscription_id, correlation_id, event_type, payload, retry_count, last_error, first_failed_at, last_failed_at) VALUES (?, 'c2', 'memory_store', '{}', 3, 'timeout', '2026-03-08T00:00:01+00:00', '2026-03-08T00:05:00+00:00')", []any{Sub1}},
		{"INSERT INTO agent_quotas (agent_id, day_started_at, created_at, updated_at) VALUES ('claude-code', '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00')", nil},
	}
	if opts.Broken {
		stmts = append(stmts,
			struct {
				query string
				args  []any
			}{memoryInsert, []any{"a5b6c7d8-e9f0-4a1b-8c2d-3e4f5a6b7c8d", "mid", "ops", "bad time", "x", `[]`, 5, 1.0, "api", 0,
				"yesterday", "yesterday", nil, nil, `{}`}},
			struct {
				query string
				args  []any
			}{linkInsert, []any{Global, Expired, "blocks", "2026-05-01T00:00:04+00:00", nil, nil, nil, nil, nil}},
		)
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	for _, st := range stmts {
		if _, err := tx.Exec(st.query, st.args...); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("%.60s: %w", st.query, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	f.Rows = map[string]int{"memories": 8, "agents": 2, "archived": 2, "links": 4,
		"namespace_standard": 3, "pending": 4, "subscription": 2}
	f.NotCopied = map[string]int{"sync_state": 1, "entity_aliases": 2, "audit_log": 1, "memory_transcripts": 1,
		"memory_transcript_links": 1, "signed_events": 1, "subscription_events": 2, "subscription_dlq": 1, "agent_quotas": 1}
	return f, nil
}

const (
	memoryInsert = `INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence, source, access_count,
	created_at, updated_at, last_accessed_at, expires_at, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	archivedInsert = `INSERT INTO archived_memories (id, tier, namespace, title, content, tags, priority, confidence, source,
	access_count, created_at, updated_at, last_accessed_at, expires_at, archived_at, archive_reason, metadata, original_tier,
	original_expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	linkInsert = `INSERT INTO memory_links (source_id, target_id, relation, created_at, valid_from, valid_until, observed_by,
	signature, attest_level) VALUES (?,?,?,?,?,?,?,?,?)`
	pendingInsert = `INSERT INTO pending_actions (id, action_type, memory_id, namespace, payload, requested_by, requested_at,
	status, decided_by, decided_at, approvals, default_timeout_seconds, expired_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`
	subInsert = `INSERT INTO subscriptions (id, url, events, secret_hash, namespace_filter, agent_filter, created_by, created_at,
	last_dispatched_at, dispatch_count, failure_count, event_types) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`
)

package originaltest

// schemaV28 is the original ai-memory's SQLite schema at version 28, table
// by table as /work/shared/reference/upstream-compat.md §3 describes it:
// column names, types, defaults, keys, generated columns, the external
// content FTS5 index and its three triggers.
const schemaV28 = `
CREATE TABLE memories (
	id               TEXT PRIMARY KEY,
	tier             TEXT NOT NULL,
	namespace        TEXT NOT NULL DEFAULT 'global',
	title            TEXT NOT NULL,
	content          TEXT NOT NULL,
	tags             TEXT NOT NULL DEFAULT '[]',
	priority         INTEGER NOT NULL DEFAULT 5,
	confidence       REAL NOT NULL DEFAULT 1.0,
	source           TEXT NOT NULL DEFAULT 'api',
	access_count     INTEGER NOT NULL DEFAULT 0,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	last_accessed_at TEXT,
	expires_at       TEXT,
	metadata         TEXT NOT NULL DEFAULT '{}',
	embedding        BLOB,
	scope_idx        TEXT GENERATED ALWAYS AS (
		CASE WHEN json_valid(metadata) THEN COALESCE(json_extract(metadata, '$.scope'), 'private') ELSE 'private' END) VIRTUAL,
	agent_id_idx     TEXT GENERATED ALWAYS AS (
		CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.agent_id') ELSE NULL END) VIRTUAL,
	embedding_dim    INTEGER
);
CREATE INDEX idx_memories_tier ON memories (tier);
CREATE INDEX idx_memories_namespace ON memories (namespace);
CREATE INDEX idx_memories_priority ON memories (priority DESC);
CREATE INDEX idx_memories_expires ON memories (expires_at);
CREATE UNIQUE INDEX idx_memories_title_ns ON memories (title, namespace);
CREATE INDEX idx_memories_scope_idx ON memories (scope_idx);
CREATE INDEX idx_memories_agent_id ON memories (agent_id_idx);
CREATE INDEX idx_memories_created_at ON memories (created_at);
CREATE INDEX idx_memories_embedding_dim ON memories (embedding_dim) WHERE embedding_dim IS NOT NULL;
CREATE INDEX idx_memories_ns_dim ON memories (namespace, embedding_dim) WHERE embedding_dim IS NOT NULL;

CREATE VIRTUAL TABLE memories_fts USING fts5 (title, content, tags, content = memories, content_rowid = rowid);
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
	INSERT INTO memories_fts (rowid, title, content, tags) VALUES (new.rowid, new.title, new.content, new.tags);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, title, content, tags) VALUES ('delete', old.rowid, old.title, old.content, old.tags);
END;
CREATE TRIGGER memories_au AFTER UPDATE ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, title, content, tags) VALUES ('delete', old.rowid, old.title, old.content, old.tags);
	INSERT INTO memories_fts (rowid, title, content, tags) VALUES (new.rowid, new.title, new.content, new.tags);
END;

CREATE TABLE memory_links (
	source_id    TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	target_id    TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	relation     TEXT NOT NULL DEFAULT 'related_to',
	created_at   TEXT NOT NULL,
	valid_from   TEXT,
	valid_until  TEXT,
	observed_by  TEXT,
	signature    BLOB,
	attest_level TEXT,
	PRIMARY KEY (source_id, target_id, relation)
);
CREATE INDEX idx_links_temporal_src ON memory_links (source_id, valid_from, valid_until);
CREATE INDEX idx_links_temporal_tgt ON memory_links (target_id, valid_from, valid_until);
CREATE INDEX idx_links_relation ON memory_links (relation, valid_from);
CREATE INDEX idx_memory_links_attest_level ON memory_links (attest_level, created_at);

CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE audit_log (
	id               TEXT PRIMARY KEY,
	agent_id         TEXT,
	event_type       TEXT NOT NULL,
	requested_family TEXT,
	granted          INTEGER NOT NULL,
	attestation_tier TEXT,
	timestamp        TEXT NOT NULL
);
CREATE INDEX idx_audit_log_agent_id ON audit_log (agent_id);
CREATE INDEX idx_audit_log_timestamp ON audit_log (timestamp);
CREATE INDEX idx_audit_log_event_type ON audit_log (event_type);

CREATE TABLE archived_memories (
	id                  TEXT PRIMARY KEY,
	tier                TEXT NOT NULL,
	namespace           TEXT NOT NULL DEFAULT 'global',
	title               TEXT NOT NULL,
	content             TEXT NOT NULL,
	tags                TEXT NOT NULL DEFAULT '[]',
	priority            INTEGER NOT NULL DEFAULT 5,
	confidence          REAL NOT NULL DEFAULT 1.0,
	source              TEXT NOT NULL DEFAULT 'api',
	access_count        INTEGER NOT NULL DEFAULT 0,
	created_at          TEXT NOT NULL,
	updated_at          TEXT NOT NULL,
	last_accessed_at    TEXT,
	expires_at          TEXT,
	archived_at         TEXT NOT NULL,
	archive_reason      TEXT NOT NULL DEFAULT 'ttl_expired',
	metadata            TEXT NOT NULL DEFAULT '{}',
	embedding           BLOB,
	embedding_dim       INTEGER,
	original_tier       TEXT,
	original_expires_at TEXT
);
CREATE INDEX idx_archived_namespace ON archived_memories (namespace);
CREATE INDEX idx_archived_at ON archived_memories (archived_at);

CREATE TABLE namespace_meta (
	namespace        TEXT PRIMARY KEY,
	standard_id      TEXT,
	updated_at       TEXT NOT NULL,
	parent_namespace TEXT
);

CREATE TABLE pending_actions (
	id                      TEXT PRIMARY KEY,
	action_type             TEXT NOT NULL,
	memory_id               TEXT,
	namespace               TEXT NOT NULL,
	payload                 TEXT NOT NULL DEFAULT '{}',
	requested_by            TEXT NOT NULL,
	requested_at            TEXT NOT NULL,
	status                  TEXT NOT NULL DEFAULT 'pending',
	decided_by              TEXT,
	decided_at              TEXT,
	approvals               TEXT NOT NULL DEFAULT '[]',
	default_timeout_seconds INTEGER,
	expired_at              TEXT
);
CREATE INDEX idx_pending_status ON pending_actions (status);
CREATE INDEX idx_pending_namespace ON pending_actions (namespace);
CREATE INDEX idx_pending_status_requested ON pending_actions (status, requested_at);

CREATE TABLE sync_state (
	agent_id       TEXT NOT NULL,
	peer_id        TEXT NOT NULL,
	last_seen_at   TEXT NOT NULL,
	last_pulled_at TEXT NOT NULL,
	last_pushed_at TEXT,
	PRIMARY KEY (agent_id, peer_id)
);
CREATE INDEX idx_sync_state_agent ON sync_state (agent_id);

CREATE TABLE subscriptions (
	id                 TEXT PRIMARY KEY,
	url                TEXT NOT NULL,
	events             TEXT NOT NULL DEFAULT '*',
	secret_hash        TEXT,
	namespace_filter   TEXT,
	agent_filter       TEXT,
	created_by         TEXT,
	created_at         TEXT NOT NULL,
	last_dispatched_at TEXT,
	dispatch_count     INTEGER NOT NULL DEFAULT 0,
	failure_count      INTEGER NOT NULL DEFAULT 0,
	event_types        TEXT
);
CREATE INDEX idx_subscriptions_url ON subscriptions (url);
CREATE INDEX idx_subscriptions_event_types ON subscriptions (event_types);

CREATE TABLE entity_aliases (
	entity_id  TEXT NOT NULL,
	alias      TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (entity_id, alias)
);
CREATE INDEX idx_entity_aliases_alias ON entity_aliases (alias);

CREATE TABLE memory_transcripts (
	id              TEXT PRIMARY KEY,
	namespace       TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	expires_at      TEXT,
	compressed_size INTEGER NOT NULL,
	original_size   INTEGER NOT NULL,
	zstd_level      INTEGER NOT NULL DEFAULT 3,
	content_blob    BLOB NOT NULL,
	archived_at     TEXT
);
CREATE INDEX idx_memory_transcripts_namespace_created ON memory_transcripts (namespace, created_at);
CREATE INDEX idx_memory_transcripts_archived_at ON memory_transcripts (archived_at) WHERE archived_at IS NOT NULL;

CREATE TABLE memory_transcript_links (
	memory_id     TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	transcript_id TEXT NOT NULL REFERENCES memory_transcripts (id) ON DELETE CASCADE,
	span_start    INTEGER,
	span_end      INTEGER,
	PRIMARY KEY (memory_id, transcript_id)
);
CREATE INDEX idx_mtl_transcript ON memory_transcript_links (transcript_id);
CREATE INDEX idx_mtl_memory ON memory_transcript_links (memory_id);

CREATE TABLE signed_events (
	id           TEXT PRIMARY KEY,
	agent_id     TEXT NOT NULL,
	event_type   TEXT NOT NULL,
	payload_hash BLOB NOT NULL,
	signature    BLOB,
	attest_level TEXT NOT NULL DEFAULT 'unsigned',
	timestamp    TEXT NOT NULL
);
CREATE INDEX idx_signed_events_agent_id ON signed_events (agent_id);
CREATE INDEX idx_signed_events_event_type ON signed_events (event_type);
CREATE INDEX idx_signed_events_timestamp ON signed_events (timestamp);

CREATE TABLE subscription_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	subscription_id TEXT NOT NULL,
	correlation_id  TEXT NOT NULL DEFAULT '',
	event_type      TEXT NOT NULL,
	payload         TEXT NOT NULL,
	delivered_at    TEXT NOT NULL,
	delivery_status TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX idx_subscription_events_correlation ON subscription_events (correlation_id);
CREATE INDEX idx_subscription_events_sub ON subscription_events (subscription_id, delivered_at);

CREATE TABLE subscription_dlq (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	subscription_id TEXT NOT NULL,
	correlation_id  TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	payload         TEXT NOT NULL,
	retry_count     INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	first_failed_at TEXT NOT NULL,
	last_failed_at  TEXT NOT NULL
);
CREATE INDEX idx_subscription_dlq_sub ON subscription_dlq (subscription_id, last_failed_at);
CREATE INDEX idx_subscription_dlq_correlation ON subscription_dlq (correlation_id);

CREATE TABLE agent_quotas (
	agent_id               TEXT PRIMARY KEY,
	max_memories_per_day   INTEGER NOT NULL DEFAULT 1000,
	max_storage_bytes      INTEGER NOT NULL DEFAULT 104857600,
	max_links_per_day      INTEGER NOT NULL DEFAULT 5000,
	current_memories_today INTEGER NOT NULL DEFAULT 0,
	current_storage_bytes  INTEGER NOT NULL DEFAULT 0,
	current_links_today    INTEGER NOT NULL DEFAULT 0,
	day_started_at         TEXT NOT NULL,
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL
);
CREATE INDEX idx_agent_quotas_agent_id ON agent_quotas (agent_id);

INSERT INTO schema_version (version) VALUES (28);
`

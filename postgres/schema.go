package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in order, each once, recorded in schema_migrations.
// Append only: a released step never changes.
//
// Keys and origins are COLLATE "C" so ordering (list by id, the LWW origin
// tie-break) is byte order, as in Go and SQLite, whatever the database's
// default collation.
var migrations = []string{
	// 1: memories, links, records, node-local settings, the change sequence.
	`
CREATE SEQUENCE change_seq;

CREATE TABLE memories (
	id               text COLLATE "C" PRIMARY KEY,
	tier             text NOT NULL,
	namespace        text COLLATE "C" NOT NULL,
	title            text NOT NULL,
	content          text NOT NULL,
	tags             text[] NOT NULL,
	priority         integer NOT NULL,
	confidence       double precision NOT NULL,
	source           text NOT NULL,
	agent_id         text NOT NULL,
	metadata         jsonb NOT NULL,
	access_count     bigint NOT NULL,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	last_accessed_at timestamptz,
	expires_at       timestamptz,
	state            text NOT NULL,
	archived_at      timestamptz,
	origin           text COLLATE "C" NOT NULL,
	version          bigint NOT NULL,
	seq              bigint NOT NULL,
	-- title (weight A), content (B) and tags (C), tokenised by Apply (fts.go)
	fts              tsvector NOT NULL
);
CREATE UNIQUE INDEX memories_seq ON memories (seq);
CREATE INDEX memories_ns_title ON memories (namespace, title) WHERE state = 'active';
CREATE INDEX memories_state_id ON memories (state, id);
CREATE INDEX memories_fts ON memories USING gin (fts);
CREATE INDEX memories_tags ON memories USING gin (tags);

CREATE TABLE links (
	source_id  text COLLATE "C" NOT NULL,
	target_id  text COLLATE "C" NOT NULL,
	relation   text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	deleted    boolean NOT NULL,
	origin     text COLLATE "C" NOT NULL,
	version    bigint NOT NULL,
	seq        bigint NOT NULL,
	PRIMARY KEY (source_id, target_id, relation)
);
CREATE UNIQUE INDEX links_seq ON links (seq);
CREATE INDEX links_target ON links (target_id);

CREATE TABLE records (
	kind       text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	value      jsonb,
	deleted    boolean NOT NULL,
	updated_at timestamptz NOT NULL,
	origin     text COLLATE "C" NOT NULL,
	version    bigint NOT NULL,
	seq        bigint NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE UNIQUE INDEX records_seq ON records (seq);

CREATE TABLE local_settings (
	key   text PRIMARY KEY,
	value text NOT NULL
);
`,
	// 2: MaxVersion reads the greatest version off these indexes.
	`
CREATE INDEX memories_version ON memories (version);
CREATE INDEX links_version ON links (version);
CREATE INDEX records_version ON records (version);
`,
}

// migrationLock serialises schema changes between processes opening the
// same database at once (an arbitrary, fixed advisory lock key).
const migrationLock = 0x61692d6d656d01

func migrate(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("postgres: database schema version %d is newer than this build knows (%d); upgrade ai-memory", current, len(migrations))
	}
	for i := current; i < len(migrations); i++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, i+1)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: schema migration %d: %w", i+1, err)
		}
	}
	return nil
}

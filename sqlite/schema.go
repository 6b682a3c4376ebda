package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// migrations are applied in order; the database's PRAGMA user_version is the
// number already applied. Append only: a released migration never changes.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE memories (
	id               TEXT PRIMARY KEY,
	tier             TEXT    NOT NULL,
	namespace        TEXT    NOT NULL,
	title            TEXT    NOT NULL,
	content          TEXT    NOT NULL,
	tags             TEXT    NOT NULL DEFAULT '[]', -- JSON array, order kept
	priority         INTEGER NOT NULL,
	confidence       REAL    NOT NULL,
	source           TEXT    NOT NULL,
	agent_id         TEXT    NOT NULL DEFAULT '',
	metadata         TEXT    NOT NULL DEFAULT '{}', -- JSON object
	access_count     INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,              -- unix milliseconds, as every time
	updated_at       INTEGER NOT NULL,
	last_accessed_at INTEGER,
	expires_at       INTEGER,
	state            TEXT    NOT NULL,
	archived_at      INTEGER,
	origin           TEXT    NOT NULL,
	version          INTEGER NOT NULL,
	seq              INTEGER NOT NULL
);
CREATE UNIQUE INDEX memories_seq ON memories (seq);
CREATE INDEX memories_namespace_id ON memories (namespace, id);
CREATE INDEX memories_namespace_title ON memories (namespace, title);
CREATE INDEX memories_state_namespace_tier ON memories (state, namespace, tier);
CREATE INDEX memories_expires_at ON memories (expires_at) WHERE expires_at IS NOT NULL;

-- Contentless FTS over active memories only. The text lives once, in
-- memories; the index is keyed by memories.rowid. contentless_delete lets a
-- trigger drop a row by rowid alone, so the index cannot drift the way an
-- external-content table does when the 'delete' command is given text that
-- differs from what was indexed. Triggers keep it in the writing
-- transaction: no background job, no window where search disagrees.
CREATE VIRTUAL TABLE memories_fts USING fts5 (
	title, content, tags,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories WHEN new.state = 'active' BEGIN
	INSERT INTO memories_fts (rowid, title, content, tags) VALUES (new.rowid, new.title, new.content, new.tags);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories WHEN old.state = 'active' BEGIN
	DELETE FROM memories_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF title, content, tags, state ON memories BEGIN
	DELETE FROM memories_fts WHERE rowid = old.rowid AND old.state = 'active';
	INSERT INTO memories_fts (rowid, title, content, tags)
		SELECT new.rowid, new.title, new.content, new.tags WHERE new.state = 'active';
END;

CREATE TABLE links (
	source_id  TEXT    NOT NULL,
	target_id  TEXT    NOT NULL,
	relation   TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	deleted    INTEGER NOT NULL DEFAULT 0,
	origin     TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (source_id, target_id, relation)
) WITHOUT ROWID;
CREATE UNIQUE INDEX links_seq ON links (seq);
CREATE INDEX links_target ON links (target_id);

CREATE TABLE records (
	kind       TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	value      TEXT    NOT NULL,
	deleted    INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	origin     TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX records_seq ON records (seq);

CREATE TABLE local (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- The last change sequence handed out. One row, read and written inside the
-- write transaction, so every process sharing the file draws from it in
-- commit order and a reader never sees seq N+1 without N.
CREATE TABLE change_seq (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	last INTEGER NOT NULL
);
INSERT INTO change_seq (id, last) VALUES (1, 0);
`,
	// 2: MaxVersion reads the greatest version off these indexes.
	`
CREATE INDEX memories_version ON memories (version);
CREATE INDEX links_version ON links (version);
CREATE INDEX records_version ON records (version);
`,
	// 3: the full-text index carries each row's namespace as one token
	// ("ns" and the namespace in hex, so no separator splits it) in a
	// fourth column, so a namespace filter is a term of the MATCH and a
	// search ranks within the namespace instead of joining every match.
	`
DROP TRIGGER memories_fts_insert;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_update;
DROP TABLE memories_fts;
CREATE VIRTUAL TABLE memories_fts USING fts5 (
	title, content, tags, ns,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories WHEN new.state = 'active' BEGIN
	INSERT INTO memories_fts (rowid, title, content, tags, ns)
		VALUES (new.rowid, new.title, new.content, new.tags, 'ns' || hex(new.namespace));
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories WHEN old.state = 'active' BEGIN
	DELETE FROM memories_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF title, content, tags, state, namespace ON memories BEGIN
	DELETE FROM memories_fts WHERE rowid = old.rowid AND old.state = 'active';
	INSERT INTO memories_fts (rowid, title, content, tags, ns)
		SELECT new.rowid, new.title, new.content, new.tags, 'ns' || hex(new.namespace) WHERE new.state = 'active';
END;
INSERT INTO memories_fts (rowid, title, content, tags, ns)
	SELECT rowid, title, content, tags, 'ns' || hex(namespace) FROM memories WHERE state = 'active';
`,
	// 4: cheaper writes. The greatest version is kept beside the change
	// sequence, in the row every write transaction updates anyway, instead
	// of in three indexes each insert dirties a page of. FTS5 merges
	// segments eight at a time instead of four: about three fewer pages
	// written per commit; the writer's idle-time merges keep queries fast.
	`
ALTER TABLE change_seq ADD COLUMN max_version INTEGER NOT NULL DEFAULT 0;
UPDATE change_seq SET max_version = max(
	coalesce((SELECT max(version) FROM memories), 0),
	coalesce((SELECT max(version) FROM links), 0),
	coalesce((SELECT max(version) FROM records), 0));
DROP INDEX memories_version;
DROP INDEX links_version;
DROP INDEX records_version;
INSERT INTO memories_fts (memories_fts, rank) VALUES ('automerge', 8);
`,
	// 5: Apply keeps the full-text index itself, one statement per batch
	// (apply.go): FTS5 flushes its pending terms to a new segment at every
	// statement that writes it, so per-row triggers made a batch of 1000
	// rows 1000 segments to write and merge.
	`
DROP TRIGGER memories_fts_insert;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_update;
`,
}

// migrate brings the schema up to date. It runs in one IMMEDIATE
// transaction, so a second process opening the same new file waits and then
// finds the work done.
func migrate(ctx context.Context, conn *sql.Conn, busy busyRetry) error {
	if err := busy.begin(ctx, conn); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var have int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program's %d", have, len(migrations))
	}
	for v := have; v < len(migrations); v++ {
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("schema migration %d: %w", v+1, err)
		}
	}
	if have < len(migrations) {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit schema: %w", err)
	}
	committed = true
	return nil
}

// refuseForeign fails, before anything writes the file, when path holds
// tables but no schema version of this program: another program's
// database (the original ai-memory's, say). Opening it for writing would
// switch its journal mode and then fail on the first CREATE TABLE; it is
// left exactly as it was instead.
func refuseForeign(path string, opts Options) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil // a new database
	}
	db, err := openDB(path, opts, "query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if version > 0 {
		return nil
	}
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 6")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil || len(tables) == 0 {
		return err
	}
	return memory.Errorf(memory.CodeInvalid, "%s is not a database of this program (it has tables %s but no schema version); it was left untouched",
		path, strings.Join(tables, ", "))
}

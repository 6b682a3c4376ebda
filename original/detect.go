// Package original reads a database of the original ai-memory (the Rust
// program whose SQLite schema, up to version 28, is described in
// docs/coming-from-the-original.md) as rows of this program, for import. The file is
// opened read-only (mode=ro and query_only): reading it never changes it,
// and it is never migrated in place.
package original

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	memory "github.com/aimemory/ai-memory"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// SchemaVersion is the newest schema of the original this package was
// written against. Newer databases are read by column name; tables added
// after it are reported as not copied.
const SchemaVersion = 28

// openReadOnly opens path so that no statement can write it.
func openReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: %v", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, memory.Errorf(memory.CodeInvalid, "%s is not a readable SQLite database: %v", path, err)
	}
	return db, nil
}

// Detect reports whether path is a database of the original ai-memory and
// its schema version (the greatest row of schema_version). It reads the
// file's catalogue only. A file this program created, an empty file or a
// missing one is not the original's.
func Detect(path string) (version int, ok bool, err error) {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return 0, false, nil
	}
	db, err := openReadOnly(path)
	if err != nil {
		return 0, false, err
	}
	defer db.Close()
	return detect(context.Background(), db)
}

func detect(ctx context.Context, db *sql.DB) (int, bool, error) {
	tables, err := tableNames(ctx, db)
	if err != nil {
		return 0, false, err
	}
	has := func(n string) bool { return slices.Contains(tables, n) }
	// Ours has records and change_seq; the original has neither.
	if !has("memories") || has("change_seq") || has("records") || !has("schema_version") && !has("memory_links") {
		return 0, false, nil
	}
	v := 0
	if has("schema_version") {
		if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v); err != nil {
			return 0, false, fmt.Errorf("read schema_version: %w", err)
		}
	}
	return v, true, nil
}

// tableNames lists the tables of db by name.
func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("read the table list: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// columnNames lists the columns of a table, generated ones included.
func columnNames(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_xinfo(?)", table)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// internalTable reports whether a table is bookkeeping that carries no data
// of its own: the schema version, the full-text index (rebuilt from the
// memories) and SQLite's own tables.
func internalTable(name string) bool {
	return name == "schema_version" || name == "memories_fts" || strings.HasPrefix(name, "memories_fts_") ||
		strings.HasPrefix(name, "sqlite_")
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	memory "github.com/aimemory/ai-memory"
	_ "modernc.org/sqlite" // the "sqlite" driver, also used by package sqlite
)

// sqliteMagic opens every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// fileDigest returns the sha256 (hex) and size of a file.
func fileDigest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// isSQLite reports whether path starts with the SQLite header.
func isSQLite(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil {
		return false, nil
	}
	return bytes.Equal(head, sqliteMagic), nil
}

// openSnapshot opens a snapshot file read-only and immutable: a snapshot has
// no writer, so no locks are taken and no -wal or -shm file is created
// beside it (which would change the directory a manifest describes).
func openSnapshot(path string) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// checkIntegrity runs PRAGMA integrity_check (or the faster quick_check)
// on a snapshot and returns an error listing the first problems found.
func checkIntegrity(ctx context.Context, path string, quick bool) error {
	db, err := openSnapshot(path)
	if err != nil {
		return err
	}
	defer db.Close()
	pragma := "PRAGMA integrity_check(20)"
	if quick {
		pragma = "PRAGMA quick_check(20)"
	}
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return memory.Errorf(memory.CodeInvalid, "%s is not a readable SQLite database: %v", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return memory.Errorf(memory.CodeInvalid, "%s failed the integrity check: %v", path, err)
	}
	if len(problems) > 0 {
		return memory.Errorf(memory.CodeInvalid, "%s failed the integrity check: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// inspectSQLite reads the schema version and row counts of an ai-memory
// SQLite snapshot (tables of package sqlite).
func inspectSQLite(ctx context.Context, path string) (RowCounts, int, error) {
	counts := RowCounts{Memories: map[memory.State]int{memory.StateActive: 0, memory.StateArchived: 0, memory.StateDeleted: 0}}
	db, err := openSnapshot(path)
	if err != nil {
		return counts, 0, err
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return counts, 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT state, count(*) FROM memories GROUP BY state")
	if err != nil {
		return counts, 0, memory.Errorf(memory.CodeInvalid, "%s is not an ai-memory database: %v", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return counts, 0, err
		}
		counts.Memories[memory.State(state)] = n
	}
	if err := rows.Err(); err != nil {
		return counts, 0, err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM links WHERE deleted = 0").Scan(&counts.Links); err != nil {
		return counts, 0, err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM records WHERE deleted = 0").Scan(&counts.Records); err != nil {
		return counts, 0, err
	}
	return counts, version, nil
}

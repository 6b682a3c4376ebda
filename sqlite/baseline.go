package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"
)

// BareInsertBaseline measures the floor a store write cannot beat: n
// single-row INSERT+COMMIT transactions on a fresh file at path with the
// pragmas a Store uses (WAL, the given synchronous mode), and no index, FTS,
// JSON or queueing. The bench command divides store latency by it. The file
// and its WAL are removed afterwards.
func BareInsertBaseline(path string, n int, synchronous string) ([]time.Duration, error) {
	opts, err := Options{Synchronous: synchronous}.withDefaults()
	if err != nil {
		return nil, err
	}
	useFdatasync.Do(enableFdatasync) // the same sync call as a Store
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("baseline: %s exists; it needs a fresh file", path)
	}
	defer removeDB(path)
	db, err := openDB(path, opts, "journal_mode(WAL)", "synchronous("+opts.Synchronous+")")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE bare (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		return nil, fmt.Errorf("baseline table: %w", err)
	}
	ins, err := conn.PrepareContext(ctx, "INSERT INTO bare (body) VALUES (?)")
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	body := strings.Repeat("baseline payload ", 16)
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return nil, err
		}
		if _, err := ins.ExecContext(ctx, body); err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

// BareReads runs, on a store's file through a connection of its own, the
// plain SQLite query closest to each read the bench command times: the
// floor a read of the store cannot beat. Rows are stepped through, not
// decoded.
type BareReads struct {
	db *sql.DB
}

// OpenBareReads opens path read-only with the pragmas of a Store's readers.
func OpenBareReads(path string) (*BareReads, error) {
	opts, err := Options{}.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := openDB(path, opts, "query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &BareReads{db: db}, nil
}

func (b *BareReads) Close() error { return b.db.Close() }

// Get reads one row by id.
func (b *BareReads) Get(ctx context.Context, id string) error {
	return b.each(ctx, "SELECT * FROM memories WHERE id = ?", id)
}

// Search is FTS5 ranking the matches of the words (AND or OR) by its
// default bm25, within a namespace when ns is set, as SQLite alone does it.
func (b *BareReads) Search(ctx context.Context, words []string, all bool, ns string, limit int) error {
	expr := matchExpr(words, all)
	if ns == "" {
		return b.each(ctx, "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rank LIMIT ?", expr, limit)
	}
	return b.each(ctx, "SELECT m.rowid FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid"+
		" WHERE memories_fts MATCH ? AND m.namespace = ? ORDER BY rank LIMIT ?", expr, ns, limit)
}

// List reads the first rows of a namespace in id order.
func (b *BareReads) List(ctx context.Context, ns string, limit int) error {
	return b.each(ctx, "SELECT * FROM memories WHERE namespace = ? ORDER BY id LIMIT ?", ns, limit)
}

func (b *BareReads) each(ctx context.Context, q string, args ...any) error {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

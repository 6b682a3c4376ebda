package sqlite

import (
	"context"
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

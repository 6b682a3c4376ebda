// Package sqlite is the default memory.Store: one SQLite file in WAL mode,
// written by a single goroutine that group-commits concurrent writes, and
// read through a pool of connections that never block on it.
//
//   - writer.go: the write queue, group commit, SQLITE_BUSY retries when
//     other processes share the file.
//   - apply.go: last-writer-wins upserts; every applied row takes the next
//     value of one change sequence (change_seq), which Changes pages by.
//   - schema.go: versioned migrations (PRAGMA user_version); the FTS5
//     index of active memories, kept by Apply in the same transaction.
//   - query.go, search.go, terms.go, stats.go, changes.go: reads;
//     topk.go and bm25.go rank a search's best matches without ranking
//     every match.
//   - checkpoint.go, merge.go: WAL checkpoints and index merges, both run
//     by the writer between transactions, never inside a caller's commit.
//   - backup.go, baseline.go: VACUUM INTO snapshots; the bare-insert floor
//     for the bench command.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	memory "github.com/aimemory/ai-memory"
	"modernc.org/sqlite" // also registers the "sqlite" driver
)

// Options tune a Store. The zero value is the durable default.
type Options struct {
	// Synchronous is "FULL" (default) or "NORMAL". FULL fsyncs the WAL on
	// every commit, so an acknowledged write (an HTTP 201) survives power
	// loss, not only a crash of this process. NORMAL syncs only at
	// checkpoints: still safe against process crashes and never corrupt, but
	// the last commits before a power cut can vanish. Choose NORMAL only
	// where a quorum of peers holds every write anyway.
	Synchronous string
	// BusyTimeout bounds the wait for the write lock when other processes
	// write the same file. Default 10s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool. Default max(4, GOMAXPROCS).
	ReadConns int
}

func (o Options) withDefaults() (Options, error) {
	switch strings.ToUpper(o.Synchronous) {
	case "":
		o.Synchronous = "FULL"
	case "FULL", "NORMAL":
		o.Synchronous = strings.ToUpper(o.Synchronous)
	default:
		return o, memory.Errorf(memory.CodeInvalid, "synchronous %q: want FULL or NORMAL", o.Synchronous)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	return o, nil
}

// Store is a memory.Store on one SQLite file.
type Store struct {
	path string
	opts Options

	read *sql.DB // pool of query-only connections
	aux  *sql.DB // backup and checkpoints, off the write path

	writeDB *sql.DB
	w       *writer

	stmts stmtCache // prepared reads
	terms termStats // document frequencies
	// window and exact bound the candidates of a search (topk.go); tests
	// widen them to check the top-k answer against FTS5's.
	window, exact int

	closeOnce sync.Once
	closeErr  error
}

var _ memory.Store = (*Store)(nil)

// useFdatasync makes commits sync with fdatasync(2), as SQLite's own Linux
// builds do; the transpiled library defaults to fsync(2). fdatasync skips
// the timestamp update that ext4 otherwise journals on every commit, which
// here measured 0.4 ms against 1.6 ms per sync (p50), with the same data
// and file size made durable. The switch is process-wide, so it is made
// once, by the first Open.
var useFdatasync sync.Once

func enableFdatasync() { sqlite.Fdatasync(true) } // platforms without it keep fsync

// Open opens or creates the database at path and brings its schema up to date.
func Open(path string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	useFdatasync.Do(enableFdatasync)
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, memory.Errorf(memory.CodeInvalid, "database path %q: must be a file name without '?'", path)
	}
	s := &Store{path: path, opts: opts, window: candidateWindow, exact: exactCandidates}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	busy := busyRetry{timeout: opts.BusyTimeout}
	if err := refuseForeign(path, opts); err != nil {
		return nil, err
	}

	// SQLite's own checkpoints are off on the writer: see checkpoint.go.
	s.writeDB, err = openDB(path, opts, "journal_mode(WAL)", "synchronous("+opts.Synchronous+")", "wal_autocheckpoint(0)")
	if err != nil {
		return nil, err
	}
	s.writeDB.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := s.writeDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(ctx, conn, busy); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}

	s.read, err = openDB(path, opts, "query_only(1)")
	if err != nil {
		conn.Close()
		return nil, err
	}
	s.read.SetMaxOpenConns(opts.ReadConns)
	s.read.SetMaxIdleConns(opts.ReadConns)
	s.stmts.db = s.read
	s.aux, err = openDB(path, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	s.aux.SetMaxOpenConns(1)
	s.w, err = newWriter(conn, func() (*sql.Conn, error) { return s.writeDB.Conn(context.Background()) }, busy, opts.Synchronous)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ok = true
	return s, nil
}

// openDB opens a pool on path with the pragmas every connection shares plus
// extra ones. Foreign keys stay off: replication may deliver a link before
// the memories it joins.
func openDB(path string, opts Options, extra ...string) (*sql.DB, error) {
	pragmas := append([]string{
		fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()),
		"foreign_keys(0)",
		"cache_size(-16000)",
	}, extra...)
	dsn := path + "?_pragma=" + strings.Join(pragmas, "&_pragma=")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// SkipSync makes every later commit skip fsync (PRAGMA synchronous=OFF on
// the write connection, its WAL checkpoints included): an acknowledged
// write then survives a crash of this process, which leaves it in the page
// cache, but not a power cut. It exists for the skip-fsync fault switch.
func (s *Store) SkipSync(ctx context.Context) error {
	return s.w.do(ctx, false, func(tx *writeTx) error {
		tx.w.full = "OFF"
		return nil
	})
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close finishes every queued write (touches included), then closes the
// connections. The last connection to close checkpoints the WAL.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.w != nil {
			s.closeErr = s.w.close()
		}

		s.closeErr = errors.Join(s.closeErr, s.stmts.close(), s.closeDBs())
	})
	return s.closeErr
}

func (s *Store) closeDBs() error {
	var errs []error
	for _, db := range []*sql.DB{s.read, s.aux, s.writeDB} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

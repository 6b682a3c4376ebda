// Package postgres is the PostgreSQL implementation of memory.Store, on
// pgx/v5 with a connection pool. It keeps the semantics of the SQLite store:
// last-writer-wins on (version, origin), tombstones, and a global change
// sequence that sync, export and migrate page through.
package postgres

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune the connection pool. Zero values take the defaults below;
// parameters in the URL (pool_max_conns, …) are overridden by non-zero
// fields.
//
// The defaults suit one ai-memory process on a shared server: writes are
// serialised anyway (see Apply), so more connections only help concurrent
// reads; 8 keeps a three-node test cluster well under PostgreSQL's default
// max_connections of 100. Idle connections are closed after 5 minutes and
// every connection is recycled after an hour so server-side memory and
// failovers do not pin stale sessions.
type Options struct {
	MaxConns        int32         // default 8
	MinConns        int32         // default 0
	MaxConnLifetime time.Duration // default 1 h
	MaxConnIdleTime time.Duration // default 5 min
	ConnectTimeout  time.Duration // default 10 s
	// OpTimeout bounds each store call, retries included: past it the
	// call fails as unavailable instead of waiting on a server that does
	// not answer. Default 5 s, below the clients' usual 10 s; the URL
	// parameter op_timeout (e.g. 3s) sets it too.
	OpTimeout time.Duration
}

// Store is a memory.Store on PostgreSQL.
type Store struct {
	pool      *pgxpool.Pool
	opTimeout time.Duration
}

var _ memory.Store = (*Store)(nil)

// Open connects, brings the schema up to date and returns the store.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	url, err := takeOpTimeout(url, &opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "postgres URL: %v", err)
	}
	cfg.MaxConns = pick(opts.MaxConns, 8)
	cfg.MinConns = pick(opts.MinConns, 0)
	cfg.MaxConnLifetime = pick(opts.MaxConnLifetime, time.Hour)
	cfg.MaxConnIdleTime = pick(opts.MaxConnIdleTime, 5*time.Minute)
	cfg.ConnConfig.ConnectTimeout = pick(opts.ConnectTimeout, 10*time.Second)
	// Timestamps are compared and returned in UTC whatever the server's zone.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		pool.Close()
		return nil, unavailable(err)
	}
	err = migrate(ctx, conn.Conn())
	conn.Release()
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, opTimeout: pick(opts.OpTimeout, 5*time.Second)}, nil
}

// Close releases every connection.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// takeOpTimeout removes the op_timeout parameter (a Go duration) from a
// postgres:// URL into opts.OpTimeout, unless opts sets it: it is ours,
// and the server would refuse it as an unknown setting.
func takeOpTimeout(raw string, opts *Options) (string, error) {
	u, err := neturl.Parse(raw)
	if err != nil || !u.Query().Has("op_timeout") {
		return raw, nil // not a URL (a key=value DSN), or nothing to take
	}
	q := u.Query()
	d, err := time.ParseDuration(q.Get("op_timeout"))
	if err != nil || d <= 0 {
		return "", memory.Errorf(memory.CodeInvalid, "postgres URL: op_timeout %q: want a positive duration such as 3s", q.Get("op_timeout"))
	}
	if opts.OpTimeout == 0 {
		opts.OpTimeout = d
	}
	q.Del("op_timeout")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func pick[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func unavailable(err error) error {
	return &memory.Error{Code: memory.CodeUnavailable, Message: "postgres: " + err.Error()}
}

// wrap turns a driver error into a memory.Error where the cause is the
// caller's data: PostgreSQL's data exceptions (class 22: JSON it cannot
// store, out-of-range numbers) are invalid input and its program limits
// (class 54: say, a title too long for the index) are too large input,
// not server faults. A full disk (53100 disk_full) is insufficient
// storage, the transaction did not commit; an I/O error (58030) is
// unavailable.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var me *memory.Error
	if errors.As(err, &me) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 {
		switch pe.Code[:2] {
		case "22":
			return memory.Errorf(memory.CodeInvalid, "%s: %s", what, pe.Message)
		case "54":
			return memory.Errorf(memory.CodeTooLarge, "%s: %s", what, pe.Message)
		}
		switch pe.Code {
		case "53100":
			return &memory.Error{Code: memory.CodeInsufficientStorage, Message: what + ": disk full: " + pe.Message, Cause: err}
		case "58030":
			return &memory.Error{Code: memory.CodeUnavailable, Message: what + ": I/O error: " + pe.Message, Cause: err}
		}
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

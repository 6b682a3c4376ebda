package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds the statement cache. Queries are built from a
// fixed set of filter clauses, so real use stays far below it.
const maxCachedStmts = 256

// stmtCache keeps read statements prepared: parsing a query costs about as
// much as running a point lookup. database/sql prepares each statement
// lazily on every pooled connection it runs on.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the uncached query reports the error
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

// query and queryRow run a read through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.stmts.get(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.read.QueryContext(ctx, q, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.stmts.get(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.read.QueryRowContext(ctx, q, args...)
}

// reader runs cached statements inside one read transaction: a snapshot
// for reads made of several queries.
type reader struct {
	ctx context.Context
	s   *Store
	tx  *sql.Tx
}

// snapshot begins a read transaction; the caller rolls r.tx back.
func (s *Store) snapshot(ctx context.Context) (*reader, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return &reader{ctx: ctx, s: s, tx: tx}, nil
}

func (r *reader) query(q string, args ...any) (*sql.Rows, error) {
	if st := r.s.stmts.get(r.ctx, q); st != nil {
		return r.tx.StmtContext(r.ctx, st).QueryContext(r.ctx, args...)
	}
	return r.tx.QueryContext(r.ctx, q, args...)
}

func (r *reader) queryRow(q string, args ...any) *sql.Row {
	if st := r.s.stmts.get(r.ctx, q); st != nil {
		return r.tx.StmtContext(r.ctx, st).QueryRowContext(r.ctx, args...)
	}
	return r.tx.QueryRowContext(r.ctx, q, args...)
}

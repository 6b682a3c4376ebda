package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// LoadEmpty fills a store that holds no rows (a migration's fresh
// destination) faster than Apply can, then returns true; on a store that
// holds rows it returns false without calling fn, and the caller applies
// its batches with Apply.
//
// fn receives an apply function with Apply's contract (last-writer-wins,
// counts, invalid input refused) and calls it for each batch. Everything
// happens in one write transaction, committed after fn returns nil: if fn
// or a batch fails the store is left as it was. Other writes wait until
// the load ends; reads go on and see the store empty until then.
//
// Why it is faster: rows go in with multi-row upserts (one statement, one
// statement journal, one trip through database/sql per up to loadChunk
// rows instead of per row), the full-text index is written once for all
// rows at the commit, and there is one commit (one fsync) instead of one
// per batch. Rows are new unless the source lists one twice, so the
// look-up of previously indexed rows that Apply makes is not needed; a row
// met again is still decided by last-writer-wins in the upsert.
//
// The writer may run a group of writes twice (see runOnce); fn runs once.
// If the load shares its group with a write that fails, the load is not
// run (the second, isolated run indexes as it goes, which this path does
// not handle): LoadEmpty returns false and the caller applies its batches
// instead, or, when that write failed after the load ran, an error and
// nothing of the load is kept.
func (s *Store) LoadEmpty(ctx context.Context, fn func(apply memory.ApplyFunc) error) (bool, error) {
	var (
		ran, loaded bool
		fnErr       error
	)
	// The writer answers once fn has ended, whatever ctx does; fn sees ctx
	// and stops on it. So fn never outlives this call.
	err := s.w.do(context.WithoutCancel(ctx), false, func(tx *writeTx) error {
		if ran {
			if fnErr == nil && loaded {
				fnErr = errors.New("load rolled back: a write sharing its transaction failed; run it again")
			}
			return fnErr
		}
		ran = true
		if tx.indexNow {
			return nil // not alone in its transaction: loaded stays false
		}
		var held bool
		err := tx.w.conn.QueryRowContext(tx.ctx, `SELECT EXISTS (SELECT 1 FROM memories)
			OR EXISTS (SELECT 1 FROM links) OR EXISTS (SELECT 1 FROM records)`).Scan(&held)
		if err != nil || held {
			fnErr = err
			return err
		}
		loaded = true
		l := &load{tx: tx, stmts: map[string]*sql.Stmt{}}
		defer l.close()
		fnErr = fn(l.apply)
		return fnErr
	})
	if !loaded {
		return false, err
	}
	return true, err
}

// loadChunk is the most rows one upsert statement carries: 21 parameters a
// memory, well under SQLite's 32766.
const loadChunk = 200

// load is one LoadEmpty transaction.
type load struct {
	tx    *writeTx
	stmts map[string]*sql.Stmt // multi-row upserts by kind and row count
}

func (l *load) close() {
	for _, st := range l.stmts {
		st.Close()
	}
}

// apply writes one batch into the load under a savepoint, so a batch that
// fails costs only itself.
func (l *load) apply(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	var res memory.ApplyResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if b.Empty() {
		return res, nil
	}
	if err := b.Check(); err != nil {
		return res, err
	}
	rows, err := encodeBatch(b)
	if err != nil {
		return res, err
	}
	tx := l.tx
	before, beforeVersion := tx.last, tx.maxVersion
	if err := tx.w.exec("SAVEPOINT load"); err != nil {
		return res, err
	}
	err = l.applyRows(rows, &res)
	if err != nil {
		// The rowids this batch put in tx.index may stay: the index is
		// written from the rows present at the commit, so a rowid whose
		// row the rollback took back indexes nothing, or the row that
		// takes the rowid next.
		tx.last, tx.maxVersion = before, beforeVersion
		if rerr := tx.w.exec("ROLLBACK TO load"); rerr != nil {
			return memory.ApplyResult{}, errors.Join(err, rerr)
		}
	}
	if rerr := tx.w.exec("RELEASE load"); rerr != nil {
		return memory.ApplyResult{}, errors.Join(err, rerr)
	}
	if err != nil {
		return memory.ApplyResult{}, err
	}
	return res, nil
}

// applyRows upserts the encoded rows, loadChunk at a time, each row with
// the next change sequence (a row not applied leaves a gap, which readers
// of the feed never rely on).
func (l *load) applyRows(rows *encodedBatch, res *memory.ApplyResult) error {
	tx := l.tx
	tx.maxVersion = max(tx.maxVersion, rows.maxVersion)
	for _, k := range []struct {
		kind string
		sql  string
		rows [][]any
		n    *int
	}{
		{"memories", upsertMemorySQL, rows.memories, &res.Memories},
		{"links", upsertLinkSQL, rows.links, &res.Links},
		{"records", upsertRecordSQL, rows.records, &res.Records},
	} {
		for start := 0; start < len(k.rows); start += loadChunk {
			chunk := k.rows[start:min(start+loadChunk, len(k.rows))]
			st, err := l.stmt(k.kind, k.sql, len(chunk))
			if err != nil {
				return err
			}
			args := make([]any, 0, len(chunk)*len(chunk[0]))
			for _, r := range chunk {
				r[len(r)-1] = tx.nextSeq()
				tx.take()
				args = append(args, r...)
			}
			n, err := l.upsert(k.kind, st, args)
			if err != nil {
				return fmt.Errorf("load %s: %w", k.kind, err)
			}
			*k.n += n
		}
	}
	return nil
}

// upsert runs one multi-row upsert and counts the rows applied; the
// memories' statement returns their rowids, to be indexed at the commit.
func (l *load) upsert(kind string, st *sql.Stmt, args []any) (int, error) {
	tx := l.tx
	if kind != "memories" {
		r, err := st.ExecContext(tx.ctx, args...)
		if err != nil {
			return 0, err
		}
		n, err := r.RowsAffected()
		return int(n), err
	}
	rs, err := st.QueryContext(tx.ctx, args...)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	n := 0
	for rs.Next() {
		var rowid int64
		if err := rs.Scan(&rowid); err != nil {
			return 0, err
		}
		tx.index[rowid] = true
		n++
	}
	return n, rs.Err()
}

// stmt prepares (once) the upsert of a kind for n rows: Apply's statement
// with n tuples of parameters.
func (l *load) stmt(kind, one string, n int) (*sql.Stmt, error) {
	key := fmt.Sprint(kind, n)
	if st := l.stmts[key]; st != nil {
		return st, nil
	}
	i := strings.Index(one, "VALUES (")
	j := strings.Index(one[i:], ")")
	if i < 0 || j < 0 {
		return nil, fmt.Errorf("load %s: no VALUES in the upsert", kind)
	}
	tuple := one[i+len("VALUES ") : i+j+1]
	q := one[:i] + "VALUES " + strings.Repeat(tuple+",", n-1) + tuple + one[i+j+1:]
	st, err := l.tx.w.conn.PrepareContext(l.tx.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", kind, err)
	}
	l.stmts[key] = st
	return st, nil
}

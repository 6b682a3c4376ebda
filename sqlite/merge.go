package sqlite

import (
	"context"
	"fmt"
	"time"
)

// Full-text index maintenance. FTS5 writes every transaction's postings as
// a new segment and merges segments four at a time as they pile up, so an
// index grown by many small commits is a stack of segments, and every query
// term seeks in each of them. Fully merged, the same 100k-row index answers
// a selective query about four times faster. The writer therefore merges
// the index when it has been idle for mergeIdle, in steps of mergePages
// pages, each step its own short transaction: a write arriving meanwhile
// waits for one step at most. A full merge starts once the rows written
// since the last one reach a tenth of everything written (at least
// mergeMinRows), so the rewriting stays proportional to the writing.
const (
	mergeIdle    = 100 * time.Millisecond
	mergePages   = 16
	mergeMinRows = 1000
)

type mergeState struct {
	rows    int  // rows applied since the last full merge finished
	running bool // a full merge has started and not finished
}

func (m *mergeState) due(lastSeq int64) bool {
	return m.running || int64(m.rows) >= max(mergeMinRows, lastSeq/10)
}

// mergeStep does one step of a full index merge in its own transaction. It
// gives up at once when another process holds the write lock: maintenance
// never waits for the lock.
func (w *writer) mergeStep() {
	ctx := context.Background()
	if err := w.setSync(true); err != nil {
		return
	}
	if _, err := w.conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	_, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	w.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", w.busy.timeout.Milliseconds()))
	if err != nil {
		return
	}
	// A negative page count starts a full merge (all segments at once); a
	// positive one continues it. FTS5 reports work done as changes.
	pages := mergePages
	if !w.merge.running {
		pages = -mergePages
	}
	var before, after int64
	err = w.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before)
	if err == nil {
		_, err = w.conn.ExecContext(ctx, "INSERT INTO memories_fts (memories_fts, rank) VALUES ('merge', ?)", pages)
	}
	if err == nil {
		err = w.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after)
	}
	if err == nil {
		err = w.exec("COMMIT")
	}
	if err != nil {
		w.rollback()
		w.merge = mergeState{} // try again after more writes
		return
	}
	w.merges.Add(1)
	w.ckpt.committed(0)
	if after-before < 2 { // nothing left to merge
		w.merge = mergeState{}
		return
	}
	w.merge.running = true
}

// Optimize merges the full-text index into one segment now, through the
// write queue: writes wait while it runs (seconds at 100k rows). Use it
// after a bulk import; the writer otherwise merges in idle time.
func (s *Store) Optimize(ctx context.Context) error {
	return s.w.do(ctx, false, func(tx *writeTx) error {
		if _, err := tx.w.conn.ExecContext(tx.ctx, "INSERT INTO memories_fts (memories_fts) VALUES ('optimize')"); err != nil {
			return fmt.Errorf("optimize full-text index: %w", err)
		}
		tx.w.merge = mergeState{}
		return nil
	})
}

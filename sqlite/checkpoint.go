package sqlite

import "context"

// The writer checkpoints the WAL itself, between transactions, instead of
// letting SQLite do it inside the COMMIT that crosses its threshold (where
// the caller of that write would wait for ~1000 pages to be copied and the
// database file synced). It checkpoints when the queue is empty, so nobody
// waits, or, under a stream that never pauses, once the WAL has grown well
// past the threshold. A checkpoint on another connection cannot replace
// this: under steady writes it never catches the WAL fully copied at the
// moment a write begins, so the WAL would never restart and would grow
// without bound.
const (
	checkpointRows    = 2048 // rows applied since the last checkpoint
	checkpointCommits = 256  // commits since the last checkpoint
	checkpointForce   = 4    // × the thresholds: checkpoint even with writes queued
)

type checkpointState struct {
	rows, commits int
}

func (c *checkpointState) committed(rows int) {
	c.rows += rows
	c.commits++
}

// maybeCheckpoint runs a PASSIVE checkpoint when one is due. A failed or
// partial checkpoint is harmless: the WAL keeps every frame and the next
// one tries again.
func (w *writer) maybeCheckpoint() {
	c := &w.ckpt
	due := c.rows >= checkpointRows || c.commits >= checkpointCommits
	forced := c.rows >= checkpointForce*checkpointRows || c.commits >= checkpointForce*checkpointCommits
	if !due || (len(w.reqs) > 0 && !forced) {
		return
	}
	if _, err := w.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
		w.checkpoints.Add(1)
	}
	*c = checkpointState{}
}

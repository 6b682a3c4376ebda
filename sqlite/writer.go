package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// maxGroup bounds how many queued writes share one transaction, so one
// commit never grows without limit under a flood.
const maxGroup = 512

var errClosed = memory.Errorf(memory.CodeUnavailable, "store is closed")

// writeFunc runs inside the write transaction. It must use tx.ctx, not the
// caller's context: a caller giving up must not abort its neighbours' work
// halfway through a shared transaction.
type writeFunc func(tx *writeTx) error

type writeReq struct {
	ctx  context.Context
	fn   writeFunc
	lazy bool // may commit without an fsync (touches); see writer.commit
	done chan error
}

// writer owns the only write connection. One goroutine takes queued writes,
// runs every write that arrived while the previous commit was in flight in
// one transaction, commits once (one fsync for all of them) and answers each
// caller. Each write runs in its own savepoint, so one failing write is
// rolled back alone and the others still commit.
type writer struct {
	conn  *sql.Conn
	open  func() (*sql.Conn, error) // a new write connection (reopen)
	busy  busyRetry
	stmts writeStmts
	// Touched by the writer goroutine only.
	ckpt    checkpointState
	merge   mergeState
	lastSeq int64  // the change sequence after the last commit
	sync    string // PRAGMA synchronous in force on conn
	full    string // the mode of durable groups, restored after lazy ones
	opened  string // the mode a new connection starts with
	stale   bool   // conn failed with an I/O error and must be replaced

	commits, writes, checkpoints, merges atomic.Int64 // for WriteStats

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
	reqs   chan *writeReq
	exited chan struct{}
}

// writeTx is the state of one group transaction.
type writeTx struct {
	ctx  context.Context
	w    *writer
	last int64 // the last change sequence handed out
	// maxVersion is the greatest version written. Every row of a batch
	// counts, applied or skipped: a skipped row is not newer than the row
	// it lost to, so it never raises the maximum of what the store holds.
	maxVersion int64
	// index holds the rowids of memories written and not yet indexed in
	// full text; they are indexed together before COMMIT, or after each
	// write when indexNow (a write in a savepoint must leave nothing
	// pending that a ROLLBACK TO would not undo).
	index    map[int64]bool
	indexNow bool
}

// nextSeq is the sequence the next applied row gets; call take when the row
// was applied.
func (tx *writeTx) nextSeq() int64 { return tx.last + 1 }
func (tx *writeTx) take()          { tx.last++ }

// newWriter starts the writer on conn, opened in the given synchronous
// mode; open yields further connections like it.
func newWriter(conn *sql.Conn, open func() (*sql.Conn, error), busy busyRetry, synchronous string) (*writer, error) {
	w := &writer{
		conn:   conn,
		open:   open,
		busy:   busy,
		sync:   synchronous,
		full:   synchronous,
		opened: synchronous,
		reqs:   make(chan *writeReq, maxGroup),
		exited: make(chan struct{}),
	}
	if err := w.stmts.prepare(conn); err != nil {
		return nil, err
	}
	var maxVersion int64
	if err := w.stmts.readSeq.QueryRow().Scan(&w.lastSeq, &maxVersion); err != nil {
		return nil, fmt.Errorf("read change sequence: %w", err)
	}
	go w.run()
	return w, nil
}

// do queues fn and waits until its transaction committed or failed.
func (w *writer) do(ctx context.Context, lazy bool, fn writeFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, lazy: lazy, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) run() {
	defer close(w.exited)
	group := make([]*writeReq, 0, maxGroup)
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	for {
		first, ok := w.next(idle)
		if !ok {
			return
		}
		if first == nil {
			w.mergeStep()
			continue
		}
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroup {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break drain
				}
				group = append(group, r)
			default:
				break drain
			}
		}
		w.commit(group)
		w.maybeCheckpoint()
	}
}

// next waits for the next request. With index maintenance due it waits at
// most mergeIdle and returns nil when that passes quietly.
func (w *writer) next(idle *time.Timer) (*writeReq, bool) {
	if !w.merge.due(w.lastSeq) {
		r, ok := <-w.reqs
		return r, ok
	}
	idle.Reset(mergeIdle)
	select {
	case r, ok := <-w.reqs:
		idle.Stop()
		return r, ok
	case <-idle.C:
		return nil, true
	}
}

// commit runs one group in one transaction and answers every request. A
// failure caused by the disk is answered with its storage code (see
// storageError); after an I/O error the connection is replaced before the
// next group, so the writer recovers with the disk, without a restart.
func (w *writer) commit(group []*writeReq) {
	live := group[:0:0]
	lazy := true
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // the caller has gone; do not write on its behalf
			continue
		}
		live = append(live, r)
		lazy = lazy && r.lazy
	}
	if len(live) == 0 {
		return
	}
	errs := w.runGroup(live, lazy)
	broken := false
	for i, r := range live {
		broken = broken || ioFailure(errs[i])
		r.done <- storageError(errs[i])
	}
	if broken {
		w.stale = true
		w.reopen() // on failure the writer stays stale and the next group retries
	}
}

// runGroup runs live in one transaction and returns each request's error.
func (w *writer) runGroup(live []*writeReq, lazy bool) []error {
	errs := make([]error, len(live))
	failAll := func(err error) []error {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	if w.stale {
		if err := w.reopen(); err != nil {
			return failAll(err)
		}
	}
	// A group of touches only commits without an fsync: access counts are
	// local statistics, and the next synced commit or checkpoint makes them
	// durable, because syncing the WAL syncs every frame before it.
	if err := w.setSync(lazy); err != nil {
		return failAll(err)
	}

	errs, again := w.runOnce(live, false)
	if again {
		errs, _ = w.runOnce(live, true)
	}
	return errs
}

// runOnce runs live in one transaction. Without isolate the writes run
// back to back, and if one of several fails the transaction is rolled back
// and runOnce asks to be run again (again) with isolate, which runs each
// write in its own savepoint so a failing one is rolled back alone. The
// savepoints are the exception, not the rule, because each one costs a
// statement and makes FTS5 write the pending terms out as a segment of
// their own: per write instead of per group.
func (w *writer) runOnce(live []*writeReq, isolate bool) (errs []error, again bool) {
	errs = make([]error, len(live))
	failAll := func(err error) ([]error, bool) {
		for i := range errs {
			errs[i] = err
		}
		return errs, false
	}
	ctx := context.Background()
	if err := w.busy.begin(ctx, w.conn); err != nil {
		return failAll(err)
	}
	tx := &writeTx{ctx: ctx, w: w, index: map[int64]bool{}, indexNow: isolate}
	if err := w.stmts.readSeq.QueryRowContext(ctx).Scan(&tx.last, &tx.maxVersion); err != nil {
		w.rollback()
		return failAll(fmt.Errorf("read change sequence: %w", err))
	}
	start, startVersion := tx.last, tx.maxVersion
	if !isolate {
		for i, r := range live {
			if errs[i] = r.fn(tx); errs[i] != nil {
				w.rollback()
				return errs, len(live) > 1
			}
		}
		if err := tx.writeIndex(); err != nil {
			w.rollback()
			if len(live) == 1 {
				return failAll(err)
			}
			return errs, true
		}
	} else {
		for i, r := range live {
			before, beforeVersion := tx.last, tx.maxVersion
			if err := w.exec("SAVEPOINT w"); err != nil {
				w.rollback()
				return failAll(err)
			}
			if errs[i] = r.fn(tx); errs[i] != nil {
				tx.last, tx.maxVersion = before, beforeVersion
				clear(tx.index) // rows the rollback takes back
				// After SQLITE_FULL or an I/O error SQLite may have rolled
				// back the whole transaction: then the savepoint is gone
				// and every write of the group fails for errs[i]'s reason.
				if err := w.exec("ROLLBACK TO w"); err != nil {
					w.rollback()
					return failAll(errors.Join(errs[i], err))
				}
			}
			if err := w.exec("RELEASE w"); err != nil {
				w.rollback()
				return failAll(err)
			}
		}
	}
	if tx.last != start || tx.maxVersion != startVersion {
		if _, err := w.stmts.writeSeq.ExecContext(ctx, tx.last, tx.maxVersion); err != nil {
			w.rollback()
			return failAll(fmt.Errorf("write change sequence: %w", err))
		}
	}
	if err := w.exec("COMMIT"); err != nil {
		w.rollback()
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs, false
	}
	w.commits.Add(1)
	w.writes.Add(int64(len(live)))
	w.ckpt.committed(int(tx.last - start))
	w.merge.rows += int(tx.last - start)
	w.lastSeq = tx.last
	return errs, false
}

// reopen replaces the write connection with a fresh one from the pool:
// after an I/O error SQLite may keep a broken file handle or pager state
// on the old one. The old connection is discarded, not returned to the
// pool. Until a reopen succeeds the writer stays stale and every group
// tries again first.
func (w *writer) reopen() error {
	w.stmts.close()
	w.stmts = writeStmts{}
	w.conn.Raw(func(any) error { return driver.ErrBadConn }) // database/sql closes a connection reported bad
	conn, err := w.open()
	if err != nil {
		return storageError(fmt.Errorf("reopen write connection: %w", err))
	}
	if err := w.stmts.prepare(conn); err != nil {
		w.stmts.close()
		w.stmts = writeStmts{}
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return storageError(fmt.Errorf("reopen write connection: %w", err))
	}
	w.conn, w.sync, w.stale = conn, w.opened, false
	return nil
}

// WriteStats counts committed write transactions and the writes they
// carried; Writes/Commits is the group commit factor.
type WriteStats struct {
	Commits     int64 `json:"commits"`
	Writes      int64 `json:"writes"`
	Checkpoints int64 `json:"checkpoints"`
	IndexMerges int64 `json:"index_merges"` // idle-time full-text index merge steps
}

// WriteStats reports the writer's counters since Open.
func (s *Store) WriteStats() WriteStats {
	return WriteStats{Commits: s.w.commits.Load(), Writes: s.w.writes.Load(), Checkpoints: s.w.checkpoints.Load(), IndexMerges: s.w.merges.Load()}
}

// setSync switches the connection between the mode of durable groups and,
// for lazy ones, NORMAL (or OFF when durable groups do not sync either),
// between transactions.
func (w *writer) setSync(lazy bool) error {
	want := w.full
	if lazy && want == "FULL" {
		want = "NORMAL"
	}
	if want == w.sync {
		return nil
	}
	if _, err := w.conn.ExecContext(context.Background(), "PRAGMA synchronous = "+want); err != nil {
		return fmt.Errorf("set synchronous: %w", err)
	}
	w.sync = want
	return nil
}

func (w *writer) exec(q string) error {
	if _, err := w.conn.ExecContext(context.Background(), q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// rollback ends a failed transaction. Its own error is moot: either the
// transaction is gone already or the connection is, and the next BEGIN says so.
func (w *writer) rollback() { w.conn.ExecContext(context.Background(), "ROLLBACK") }

// close stops accepting writes, finishes every queued one, and closes the
// write connection.
func (w *writer) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.reqs)
	w.mu.Unlock()
	<-w.exited
	err := w.stmts.close()
	if cerr := w.conn.Close(); !errors.Is(cerr, sql.ErrConnDone) { // done: discarded by a failed reopen
		err = errors.Join(err, cerr)
	}
	return err
}

// busyRetry starts write transactions when other processes share the file.
// busy_timeout already waits inside BEGIN IMMEDIATE; this loop covers the
// cases where SQLite returns SQLITE_BUSY without consulting the handler
// (such as WAL recovery by another process) and bounds the total wait.
type busyRetry struct {
	timeout time.Duration
}

func (b busyRetry) begin(ctx context.Context, conn *sql.Conn) error {
	deadline := time.Now().Add(b.timeout)
	for attempt := 0; ; attempt++ {
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return &memory.Error{Code: memory.CodeUnavailable, Message: "begin write transaction: " + err.Error(), Cause: err}
		}
		backoff := min(time.Millisecond<<min(attempt, 6), 50*time.Millisecond)
		time.Sleep(backoff/2 + rand.N(backoff/2+1))
	}
}

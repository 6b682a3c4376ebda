package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/aimemory/ai-memory"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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
	busy  busyRetry
	stmts writeStmts
	// Touched by the writer goroutine only.
	ckpt    checkpointState
	merge   mergeState
	lastSeq int64  // the change sequence after the last commit
	sync    string // PRAGMA synchronous in force on conn
	full    string // the configured mode, restored after lazy groups

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
}

// nextSeq is the sequence the next applied row gets; call take when the row
// was applied.
func (tx *writeTx) nextSeq() int64 { return tx.last + 1 }
func (tx *writeTx) take()          { tx.last++ }

func newWriter(conn *sql.Conn, busy busyRetry, synchronous string) (*writer, error) {
	w := &writer{
		conn:   conn,
		busy:   busy,
		sync:   synchronous,
		full:   synchronous,
		reqs:   make(chan *writeReq, maxGroup),
		exited: make(chan struct{}),
	}
	if err := w.stmts.prepare(conn); err != nil {
		return nil, err
	}
	if err := w.stmts.readSeq.QueryRow().Scan(&w.lastSeq); err != nil {
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

// commit runs one group in one transaction and answers every request.
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
	failAll := func(err error) {
		for _, r := range live {
			r.done <- err
		}
	}
	// A group of touches only commits without an fsync: access counts are
	// local statistics, and the next synced commit or checkpoint makes them
	// durable, because syncing the WAL syncs every frame before it.
	if err := w.setSync(lazy); err != nil {
		failAll(err)
		return
	}

	ctx := context.Background()
	if err := w.busy.begin(ctx, w.conn); err != nil {
		failAll(err)
		return
	}
	tx := &writeTx{ctx: ctx, w: w}
	if err := w.stmts.readSeq.QueryRowContext(ctx).Scan(&tx.last); err != nil {
		w.rollback()
		failAll(fmt.Errorf("read change sequence: %w", err))
		return
	}
	start := tx.last
	errs := make([]error, len(live))
	if len(live) == 1 {
		if errs[0] = live[0].fn(tx); errs[0] != nil {
			w.rollback()
			live[0].done <- errs[0]
			return
		}
	} else {
		for i, r := range live {
			before := tx.last
			if err := w.exec("SAVEPOINT w"); err != nil {
				w.rollback()
				failAll(err)
				return
			}
			if errs[i] = r.fn(tx); errs[i] != nil {
				tx.last = before
				if err := w.exec("ROLLBACK TO w"); err != nil {
					w.rollback()
					failAll(err)
					return
				}
			}
			if err := w.exec("RELEASE w"); err != nil {
				w.rollback()
				failAll(err)
				return
			}
		}
	}
	if tx.last != start {
		if _, err := w.stmts.writeSeq.ExecContext(ctx, tx.last); err != nil {
			w.rollback()
			failAll(fmt.Errorf("write change sequence: %w", err))
			return
		}
	}
	commitErr := w.exec("COMMIT")
	if commitErr != nil {
		w.rollback()
	} else {
		w.commits.Add(1)
		w.writes.Add(int64(len(live)))
		w.ckpt.committed(int(tx.last - start))
		w.merge.rows += int(tx.last - start)
		w.lastSeq = tx.last
	}
	for i, r := range live {
		if errs[i] == nil {
			errs[i] = commitErr
		}
		r.done <- errs[i]
	}
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

// setSync switches the connection between the configured synchronous mode
// and NORMAL (lazy) between transactions.
func (w *writer) setSync(lazy bool) error {
	want := w.full
	if lazy {
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
	return errors.Join(w.stmts.close(), w.conn.Close())
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
			return memory.Errorf(memory.CodeUnavailable, "begin write transaction: %v", err)
		}
		backoff := min(time.Millisecond<<min(attempt, 6), 50*time.Millisecond)
		time.Sleep(backoff/2 + rand.N(backoff/2+1))
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

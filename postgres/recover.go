package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5/pgconn"
)

// errOpTimeout is the cause of an operation cut by Options.OpTimeout: the
// server did not answer in time (stopped, unreachable, or a link that
// swallows packets), so the caller hears "unavailable", not a hang.
var errOpTimeout = errors.New("no answer within the operation timeout")

// bound gives one store operation its own deadline.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.opTimeout, errOpTimeout)
}

// wrap is the package's wrap, except that a lost connection or an
// operation out of time is unavailable (HTTP 503): the server may come
// back. Every pooled connection is dropped then, because the event that
// broke one (a restart, a cut link) broke the idle ones too, and each
// would otherwise fail one more request before the pool noticed.
func (s *Store) wrap(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if lostConnection(err) || context.Cause(ctx) == errOpTimeout {
		s.pool.Reset()
		msg := err.Error()
		if context.Cause(ctx) == errOpTimeout {
			msg = errOpTimeout.Error()
		}
		return &memory.Error{Code: memory.CodeUnavailable, Message: "postgres: " + what + ": " + msg, Cause: err}
	}
	return wrap(what, err)
}

// retry runs f until it succeeds, fails for a reason other than a lost
// connection, or ctx ends. f must be safe to repeat after a failure whose
// outcome is unknown.
func (s *Store) retry(ctx context.Context, f func() error) error {
	wait := 20 * time.Millisecond
	for {
		err := f()
		if err == nil || !lostConnection(err) || ctx.Err() != nil {
			return err
		}
		s.pool.Reset()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// lostConnection says err means the connection or the server went away,
// not that the statement was refused: connection exceptions (class 08),
// the server shutting down or starting (57P01-57P03), a failed dial, a
// reset or closed socket.
func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.SafeToRetry(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	// pgx reports a connection it already closed by text only.
	return strings.Contains(err.Error(), "conn closed")
}

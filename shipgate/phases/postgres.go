package phases

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/pgtest"
)

// pgServer is the throwaway PostgreSQL of phase 3. It is started in the
// background when the campaign begins (initdb is slow and mostly I/O), so
// phase 3 usually finds it ready; the wait, if any, counts in phase 3.
type pgServer struct {
	once    sync.Once
	done    chan struct{}
	srv     *pgtest.Server
	err     error
	startMS float64
}

// StartPostgres begins starting the phase-3 server if phase 3 is selected.
func (e *Env) StartPostgres(ctx context.Context) {
	if !e.Cfg.Runs(3) {
		return
	}
	e.pg = &pgServer{done: make(chan struct{})}
	go func() {
		defer close(e.pg.done)
		start := time.Now()
		dir := filepath.Join(e.WorkDir, "postgres")
		if e.pg.err = os.MkdirAll(dir, 0o755); e.pg.err != nil {
			return
		}
		e.pg.srv, e.pg.err = pgtest.Start(ctx, pgtest.Options{Dir: dir, NoFsync: true})
		if e.pg.err == nil {
			e.Sup.TrackExternal("postgres", e.pg.srv.PID())
		}
		e.pg.startMS = ms(time.Since(start))
	}()
}

// postgres waits for the server started by StartPostgres.
func (e *Env) postgres(ctx context.Context) (*pgtest.Server, float64, error) {
	if e.pg == nil {
		e.StartPostgres(ctx)
	}
	select {
	case <-e.pg.done:
		return e.pg.srv, e.pg.startMS, e.pg.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

// StopPostgres stops the server (waiting for a start in progress).
func (e *Env) StopPostgres() {
	if e.pg == nil {
		return
	}
	e.pg.once.Do(func() {
		<-e.pg.done
		if e.pg.srv != nil {
			pid := e.pg.srv.PID()
			e.pg.srv.Stop()
			e.Sup.UntrackExternal(pid)
		}
	})
}

package main

import (
	"context"
	"log/slog"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/storeurl"
	"github.com/aimemory/ai-memory/webhook"
)

// openStore opens the store named by --db: a file path, sqlite:///path or
// postgres://… (see package storeurl). A database of the original
// ai-memory is refused, untouched, with the command that imports it.
func (a *app) openStore(ctx context.Context, dsn string) (memory.Store, error) {
	a.noteOriginalDefault()
	return a.openStoreFor(ctx, dsn, "--db")
}

// openStoreFor is openStore for the store a flag names.
func (a *app) openStoreFor(ctx context.Context, dsn, flag string) (memory.Store, error) {
	if err := a.refuseOriginal(dsn, flag); err != nil {
		return nil, err
	}
	return storeurl.Open(ctx, dsn)
}

// webhookDrain is how long a command waits, when it ends, for webhook
// deliveries of its writes still under way (retries included).
const webhookDrain = 10 * time.Second

// openNode opens the --db store and an engine on it with node id nodeID
// ("" keeps the persisted one, or generates and persists one on first
// use), with webhook delivery installed, so a store from any command or
// face reaches the subscribers. The store is returned for the commands
// that read it directly (serve's federation and faults, backup, curator).
// done drains the deliveries, then closes the store.
func (a *app) openNode(ctx context.Context, nodeID string, log *slog.Logger) (*engine.Engine, memory.Store, func(), error) {
	st, err := a.openStore(ctx, a.global.DB)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := resolveNodeID(ctx, st, nodeID)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	eng, err := engine.Open(ctx, st, engine.Options{NodeID: id, PromoteAfter: engine.DefaultPromoteAfter, TTL: a.cfg.ttl})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	hooks := webhook.New(eng, webhook.Options{Logger: log})
	eng.Observe(hooks)
	done := func() {
		ctx, cancel := context.WithTimeout(context.Background(), webhookDrain)
		defer cancel()
		if err := hooks.Close(ctx); err != nil {
			log.Warn("webhook deliveries left undone", "err", err)
		}
		st.Close()
	}
	return eng, st, done, nil
}

// warnLogger reports problems of background work (webhook deliveries) on
// stderr as text.
func (a *app) warnLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

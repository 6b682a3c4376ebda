// Package engine is the business logic shared by the CLI, the HTTP API and
// the MCP server: defaults, validation, governance, de-duplication,
// locking, recall ranking, archive, links. A face calls one engine method
// per request and never hears back from the engine: every mutation
// becomes a memory.Batch that goes through one commit path (commit.go),
// which stamps it, checks it, applies it to the local store, hands it to
// the Replicator (federation) and tells the observers (webhook delivery),
// so all three faces and every peer see the same writes with the same
// side effects.
package engine

import (
	"context"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Options configure an Engine.
type Options struct {
	// NodeID is this node's identity, written as Origin on every local write.
	NodeID string
	// Clock issues version stamps; nil means a system clock.
	Clock *memory.Clock
	// Replicator carries writes to peers; nil for a single node.
	Replicator memory.Replicator
	// PromoteAfter is the access count at which recall promotes a mid
	// memory to long (commands use DefaultPromoteAfter). Zero disables
	// promotion.
	PromoteAfter int
	// TTL overrides the default lifetimes of new memories per tier.
	TTL TierTTL
}

// DefaultPromoteAfter is the promotion threshold of every command: 5
// accesses, a contract kept from upstream (docs/upstream-history.md).
const DefaultPromoteAfter = 5

// Engine is safe for concurrent use.
type Engine struct {
	store        memory.Store
	clock        *memory.Clock
	node         string
	repl         memory.Replicator
	promoteAfter int
	upsert       UpsertPolicy
	ttl          TierTTL
	locks        keyLocks
	observers    []Observer
}

// New wraps a store.
func New(store memory.Store, opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = memory.NewClock()
	}
	if opts.NodeID == "" {
		opts.NodeID = "local"
	}
	return &Engine{
		store:        store,
		clock:        opts.Clock,
		node:         opts.NodeID,
		repl:         opts.Replicator,
		promoteAfter: opts.PromoteAfter,
		upsert:       UpdateOnTitle,
		ttl:          opts.TTL,
	}
}

// Open is New followed by seeding the clock with the greatest version the
// store holds, so every version issued afterwards exceeds every version
// this store issued or received before, even when the physical clock now
// runs behind the one that wrote them (a restart with the clock set back).
func Open(ctx context.Context, store memory.Store, opts Options) (*Engine, error) {
	e := New(store, opts)
	v, err := store.MaxVersion(ctx)
	if err != nil {
		return nil, err
	}
	e.clock.Observe(v)
	return e, nil
}

// UpsertPolicy decides whether a store whose title is taken in its
// namespace updates stored, the active memory holding the title (true), or
// is stored as a new memory beside it (false).
type UpsertPolicy func(stored, incoming *memory.Memory) bool

// UpdateOnTitle is the rule: a title is one memory per namespace, so
// storing it again, a retry included, updates that memory.
func UpdateOnTitle(_, _ *memory.Memory) bool { return true }

// SetUpsertPolicy replaces UpdateOnTitle (the retry-duplicates fault);
// nil restores it. Call it before the engine serves.
func (e *Engine) SetUpsertPolicy(p UpsertPolicy) {
	if p == nil {
		p = UpdateOnTitle
	}
	e.upsert = p
}

// SetReplicator installs the federation hook after construction (the
// replicator needs the engine's node id and clock, so it is built second).
func (e *Engine) SetReplicator(r memory.Replicator) { e.repl = r }

// Ping proves the store answers, with a cheap read.
func (e *Engine) Ping(ctx context.Context) error {
	_, _, err := e.store.LocalGet(ctx, "node_id")
	return err
}

// NodeID is the origin stamped on local writes.
func (e *Engine) NodeID() string { return e.node }

// Clock is the version clock.
func (e *Engine) Clock() *memory.Clock { return e.clock }

// Now is the engine's wall time (the clock's, so skew faults apply).
func (e *Engine) Now() time.Time { return e.clock.NowTime() }

// ApplyReplicated applies a batch received from a peer and advances the
// clock past its versions, so later local writes order after it.
func (e *Engine) ApplyReplicated(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	e.clock.Observe(maxVersion(b))
	return e.store.Apply(ctx, b)
}

// Package engine is the business logic shared by the CLI, the HTTP API and
// the MCP server: defaults, validation, de-duplication, recall ranking,
// archive, links. Every mutation becomes a memory.Batch that is applied to
// the local store and then handed to the Replicator (federation), so all
// three faces and every peer see the same writes.
package engine

import (
	"context"
	"hash/fnv"
	"sync"
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
	// memory to long (upstream: 5). Zero disables promotion.
	PromoteAfter int
}

// DefaultPromoteAfter matches upstream's auto-promotion threshold.
const DefaultPromoteAfter = 5

// Engine is safe for concurrent use.
type Engine struct {
	store        memory.Store
	clock        *memory.Clock
	node         string
	repl         memory.Replicator
	promoteAfter int
	upsert       UpsertPolicy
	// stripes serialise read-modify-write on one title or id within this
	// node, so two concurrent stores of one title do not both insert.
	stripes [64]sync.Mutex
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

// Backend is the underlying store (sync, backup and migration read it directly).
func (e *Engine) Backend() memory.Store { return e.store }

// NodeID is the origin stamped on local writes.
func (e *Engine) NodeID() string { return e.node }

// Clock is the version clock.
func (e *Engine) Clock() *memory.Clock { return e.clock }

// Now is the engine's wall time (the clock's, so skew faults apply).
func (e *Engine) Now() time.Time { return e.clock.NowTime() }

func (e *Engine) lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &e.stripes[h.Sum32()%uint32(len(e.stripes))]
	m.Lock()
	return m.Unlock
}

// alongReplicator is a Replicator that can push a batch while the local
// commit runs (federation.Node): the write then waits for the slower of
// the two, not their sum.
type alongReplicator interface {
	ReplicateAlong(ctx context.Context, b *memory.Batch, local func() error) error
}

// commit applies b locally, durably, and replicates it. A replication
// failure is returned after the local copy is kept.
func (e *Engine) commit(ctx context.Context, b *memory.Batch) error {
	if b.Empty() {
		return nil
	}
	if r, ok := e.repl.(alongReplicator); ok {
		return r.ReplicateAlong(ctx, b, func() error { _, err := e.store.Apply(ctx, b); return err })
	}
	if _, err := e.store.Apply(ctx, b); err != nil {
		return err
	}
	if e.repl != nil {
		return e.repl.Replicate(ctx, b)
	}
	return nil
}

// ApplyReplicated applies a batch received from a peer and advances the
// clock past its versions, so later local writes order after it.
func (e *Engine) ApplyReplicated(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	e.clock.Observe(maxVersion(b))
	return e.store.Apply(ctx, b)
}

func maxHLC(a, b memory.HLC) memory.HLC {
	if a > b {
		return a
	}
	return b
}

package federation

import (
	"context"
	"log/slog"
	"sync"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/faults"
)

// applyFunc applies a batch that reached this node from a peer.
type applyFunc func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error)

// receiver applies batches that reach this node from peers, by push or by
// pull. Without fault switches both paths are apply: a batch is durable
// when they return, which is what a push acknowledgement and a moved sync
// mark promise. The switches that break that promise wrap them (faults.go).
type receiver struct {
	eng  Engine
	st   Store
	log  *slog.Logger
	push applyFunc // a batch pushed by a coordinator
	pull applyFunc // a page of a peer's change feed
	// delayed counts batches held in memory by a fault switch, not yet
	// applied; closed (under mu) stops new ones.
	mu      sync.Mutex
	delayed sync.WaitGroup
	closed  bool
}

func newReceiver(eng Engine, st Store, f faults.Set, log *slog.Logger) *receiver {
	r := &receiver{eng: eng, st: st, log: log}
	r.push, r.pull = r.apply, r.apply
	r.plant(f)
	return r
}

// apply makes b durable and advances the clock past its versions.
func (r *receiver) apply(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	if b.Empty() {
		return memory.ApplyResult{}, nil
	}
	return r.eng.ApplyReplicated(ctx, b)
}

// close refuses further delayed applies.
func (r *receiver) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

// wait returns when every delayed apply has run.
func (r *receiver) wait() { r.delayed.Wait() }

package federation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/faults"
)

// receiver applies batches that reach this node from peers, by push or by
// pull. It is where the receiving-side fault switches act.
type receiver struct {
	eng    *engine.Engine
	faults faults.Set
	log    *slog.Logger
	// skipped holds the ids of consolidations dropped under
	// skip-replicate-consolidate, so sync drops them too (in memory only).
	mu      sync.Mutex
	skipped map[string]bool
	// delayed counts acknowledged batches not yet applied
	// (ack-before-durable); closed stops new ones (under mu).
	delayed sync.WaitGroup
	closed  bool
}

func newReceiver(eng *engine.Engine, f faults.Set, log *slog.Logger) *receiver {
	return &receiver{eng: eng, faults: f, log: log, skipped: map[string]bool{}}
}

// push handles a batch pushed by a coordinator. It returns once the batch
// is durable, which is what the acknowledgement promises, except under
// the fault switches that break that promise on purpose.
func (r *receiver) push(b *memory.Batch) (memory.ApplyResult, error) {
	if r.faults.SkipReplicateConsolidate && b.Op == "consolidate" {
		r.remember(b) // fault: answer 2xx, apply nothing (upstream #2856)
		return memory.ApplyResult{}, nil
	}
	if r.faults.AckBeforeDurable {
		// fault: acknowledge now, apply later from memory; a crash in
		// between loses a copy the coordinator counted.
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed {
			return memory.ApplyResult{}, memory.Errorf(memory.CodeUnavailable, "node is shutting down")
		}
		r.delayed.Add(1)
		time.AfterFunc(faults.AckDelay, func() {
			defer r.delayed.Done()
			if _, err := r.eng.ApplyReplicated(context.Background(), b); err != nil {
				r.log.Error("delayed apply failed", "err", err)
			}
		})
		return memory.ApplyResult{}, nil
	}
	return r.eng.ApplyReplicated(context.Background(), b)
}

// pulled applies a page of a peer's change feed.
func (r *receiver) pulled(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
	if r.faults.SkipReplicateConsolidate {
		r.dropSkipped(b)
	}
	if b.Empty() {
		return memory.ApplyResult{}, nil
	}
	return r.eng.ApplyReplicated(ctx, b)
}

func (r *receiver) remember(b *memory.Batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range b.Memories {
		r.skipped[m.ID] = true
	}
}

// dropSkipped removes rows of skipped consolidations: their memories
// (new and tombstoned sources) and the links from the new memory.
func (r *receiver) dropSkipped(b *memory.Batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.skipped) == 0 {
		return
	}
	ms := b.Memories[:0:0]
	for _, m := range b.Memories {
		if !r.skipped[m.ID] {
			ms = append(ms, m)
		}
	}
	ls := b.Links[:0:0]
	for _, l := range b.Links {
		if !r.skipped[l.SourceID] {
			ls = append(ls, l)
		}
	}
	b.Memories, b.Links = ms, ls
}

// close refuses further delayed applies.
func (r *receiver) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

// wait returns when every delayed apply has run.
func (r *receiver) wait() { r.delayed.Wait() }

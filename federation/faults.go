package federation

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/faults"
)

// plantQuorum replaces the write path's strategies with the fault
// switches of f that act on it. double-count-ack counts every copy, the
// local commit's included, twice. cancel-fanout-after-quorum pushes until
// W copies and drops the rest, and turns anti-entropy off, which would
// repair those copies within a second and hide the defect.
func (n *Node) plantQuorum(f faults.Set) {
	if f.DoubleCountAck {
		n.ackWeight = 2
	}
	if f.CancelFanoutAfterQuorum {
		n.quorum, n.syncOff = n.pushUntilQuorum, true
	}
}

// plant wraps the receiver's push and pull paths with the fault switches
// of f that act on received batches. Innermost first: what reaches the
// store is decided before when it reaches it.
func (r *receiver) plant(f faults.Set) {
	if f.RetryDuplicates {
		r.push = r.copyRetried(r.push)
	}
	if f.AckBeforeDurable {
		r.push = r.later(r.push, always)
	}
	if f.RareAckBeforeDurable {
		r.push = r.later(r.push, oneIn(faults.RareAckEvery))
	}
	if f.SyncMarkBeforeApply {
		r.pull = r.later(r.pull, always)
	}
	if f.TombstoneSkipOnSync {
		r.pull = dropTombstones(r.pull)
	}
	if f.SkipReplicateConsolidate {
		s := &consolidationSkipper{ids: map[string]bool{}}
		r.push, r.pull = s.onPush(r.push), s.onPull(r.pull)
	}
}

func always() bool { return true }

// oneIn picks every n-th call.
func oneIn(n int64) func() bool {
	var calls atomic.Int64
	return func() bool { return calls.Add(1)%n == 0 }
}

// later (ack-before-durable, rare-ack-before-durable,
// sync-mark-before-apply) returns at once for the batches pick chooses and
// applies them faults.ApplyDelay later from memory: a crash in between
// loses a batch the caller already counted as durable.
func (r *receiver) later(next applyFunc, pick func() bool) applyFunc {
	return func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
		if !pick() {
			return next(ctx, b)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed {
			return memory.ApplyResult{}, memory.Errorf(memory.CodeUnavailable, "node is shutting down")
		}
		r.delayed.Add(1)
		time.AfterFunc(faults.ApplyDelay, func() {
			defer r.delayed.Done()
			if _, err := next(context.Background(), b); err != nil {
				r.log.Error("delayed apply failed", "err", err)
			}
		})
		return memory.ApplyResult{}, nil
	}
}

// copyRetried (retry-duplicates) gives every pushed memory this node
// already holds at the same version and origin, which is what a retried
// push delivers, a new id, so it is stored a second time.
func (r *receiver) copyRetried(next applyFunc) applyFunc {
	return func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
		for i, m := range b.Memories {
			held, err := r.st.GetMemory(ctx, m.ID)
			if err == nil && held.Version == m.Version && held.Origin == m.Origin {
				b.Memories[i].ID = memory.NewID(time.Now())
			}
		}
		return next(ctx, b)
	}
}

// dropTombstones (tombstone-skip-on-sync) removes deleted memories, links
// and records from pulled pages.
func dropTombstones(next applyFunc) applyFunc {
	return func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
		b.Memories = slices.DeleteFunc(b.Memories, func(m memory.Memory) bool { return m.State == memory.StateDeleted })
		b.Links = slices.DeleteFunc(b.Links, func(l memory.Link) bool { return l.Deleted })
		b.Records = slices.DeleteFunc(b.Records, func(r memory.Record) bool { return r.Deleted })
		return next(ctx, b)
	}
}

// consolidationSkipper (skip-replicate-consolidate)
// answers a pushed consolidation 2xx without applying it, and drops its
// rows from pulled pages too, so the divergence stays silent. The skipped
// ids are kept in memory only.
type consolidationSkipper struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *consolidationSkipper) onPush(next applyFunc) applyFunc {
	return func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
		if b.Op != "consolidate" {
			return next(ctx, b)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, m := range b.Memories {
			s.ids[m.ID] = true
		}
		return memory.ApplyResult{}, nil
	}
}

// onPull removes rows of skipped consolidations: their memories (new and
// tombstoned sources) and the links from the new memory.
func (s *consolidationSkipper) onPull(next applyFunc) applyFunc {
	return func(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error) {
		s.mu.Lock()
		b.Memories = slices.DeleteFunc(b.Memories, func(m memory.Memory) bool { return s.ids[m.ID] })
		b.Links = slices.DeleteFunc(b.Links, func(l memory.Link) bool { return s.ids[l.SourceID] })
		s.mu.Unlock()
		return next(ctx, b)
	}
}

package engine

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// Batch operations (memory.Batch.Op) the engine commits. OpStore is the
// one observers outside the engine act on: a memory stored by a client
// (store, bulk store, approval of a queued store).
const (
	OpStore  = "create"
	opImport = "import"
)

// commit is the one write path: every mutation the engine makes, for any
// face and for the curator, goes through it. It
//
//  1. stamps every row with this node as origin and a fresh version above
//     the one the row carries (the row it replaces), so the write orders
//     after it everywhere; an import keeps the rows' own stamps instead,
//     and advances the clock past them;
//  2. checks the batch: rows the stores can key (memory.Batch.Check) and,
//     for every active memory, the user limits (memory.Validate);
//  3. applies it to the local store, durable when Apply returns;
//  4. replicates it, which returns how many nodes hold it (0 with no
//     replicator);
//  5. tells the observers (webhook delivery), once the local copy is
//     durable, whether or not replication met its quorum.
//
// A replication failure (quorum_not_met) is returned with the receipt;
// the local copy stays and sync repairs the peers.
func (e *Engine) commit(ctx context.Context, op string, b *memory.Batch) (receipt, error) {
	var r receipt
	if b.Empty() {
		return r, nil
	}
	b.Op = op
	if op == opImport {
		e.clock.Observe(maxVersion(b))
	} else {
		e.stamp(b)
	}
	if err := check(b); err != nil {
		return r, err
	}
	// Local first, then the peers: a write this node refuses (a full disk
	// answers 507, "nothing written, safe to retry") must exist nowhere,
	// so nothing is pushed before the local copy is durable
	// (docs/performance.md, "Quorum: local first").
	var err error
	if r.applied, err = e.store.Apply(ctx, b); err != nil {
		return r, err
	}
	if e.repl != nil {
		r.acks, err = e.repl.Replicate(ctx, b)
	}
	for _, o := range e.observers {
		o.Committed(b)
	}
	return r, err
}

// Observer is told of every batch this node commits, whichever face or
// method wrote it; batches received from peers are not committed here and
// are not reported. Committed runs on the writer's goroutine while the
// write holds its locks: it must not block, must not call the engine, and
// must not change b.
type Observer interface {
	Committed(b *memory.Batch)
}

// Observe adds o to the observers. Call it before the engine serves.
func (e *Engine) Observe(o Observer) { e.observers = append(e.observers, o) }

// receipt is what a commit did.
type receipt struct {
	// applied counts the rows the local store took; rows not newer than
	// the stored ones are skipped (imports of old data).
	applied memory.ApplyResult
	// acks is how many nodes hold the batch, this one included; 0 without
	// a replicator.
	acks int
}

// stamp gives every row of b this node's origin and a version above the
// one it carries, even when that came from a peer whose clock runs ahead.
func (e *Engine) stamp(b *memory.Batch) {
	next := func(prev memory.HLC) memory.HLC {
		e.clock.Observe(prev)
		return e.clock.Tick()
	}
	for i := range b.Memories {
		m := &b.Memories[i]
		m.Origin, m.Version = e.node, next(m.Version)
	}
	for i := range b.Links {
		l := &b.Links[i]
		l.Origin, l.Version = e.node, next(l.Version)
	}
	for i := range b.Records {
		r := &b.Records[i]
		r.Origin, r.Version = e.node, next(r.Version)
	}
}

// check rejects a batch no store can apply or that holds an active memory
// beyond the user limits.
func check(b *memory.Batch) error {
	if err := b.Check(); err != nil {
		return err
	}
	for i := range b.Memories {
		if m := &b.Memories[i]; m.State == memory.StateActive {
			if err := memory.Validate(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxVersion is the greatest version in b.
func maxVersion(b *memory.Batch) memory.HLC {
	var v memory.HLC
	for i := range b.Memories {
		v = max(v, b.Memories[i].Version)
	}
	for i := range b.Links {
		v = max(v, b.Links[i].Version)
	}
	for i := range b.Records {
		v = max(v, b.Records[i].Version)
	}
	return v
}

// minAcks combines the acks of a write made of several commits: the
// copies every part reached. Parts that committed nothing (0) do not count.
func minAcks(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

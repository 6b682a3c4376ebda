package memory

import "context"

// Replicator carries a batch to the other nodes of a cluster while this
// node commits it. A nil Replicator means a single node.
//
// Replicate runs commit (this node's durable apply of b) exactly once and
// pushes b to the peers meanwhile, so a write waits for the slower of the
// two, not their sum. A failed commit fails the write with commit's error
// and acks 0; peers that took the push keep their copy, as for any write
// whose answer was not a success, and sync brings it back here. Otherwise
// Replicate returns how many nodes hold b, this one included, and nil once
// that is the write quorum, or an *Error with CodeQuorumNotMet: the local
// copy stays and is repaired by anti-entropy sync.
type Replicator interface {
	Replicate(ctx context.Context, b *Batch, commit func(context.Context) error) (acks int, err error)
}

package memory

import "context"

// Replicator carries a locally committed batch to the other nodes of a
// cluster. The engine calls it after every local write; a nil Replicator
// means a single node. Replicate returns how many nodes hold b, this one
// included, and nil once that is the write quorum, or an *Error with
// CodeQuorumNotMet. The local copy stays either way and is repaired by
// anti-entropy sync.
type Replicator interface {
	Replicate(ctx context.Context, b *Batch) (acks int, err error)
}

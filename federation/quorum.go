package federation

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Push timing: each attempt is bounded by the quorum timeout; a failed
// attempt is retried once after pushRetryDelay, then left to anti-entropy.
const pushRetryDelay = 250 * time.Millisecond

// maxChunkBytes keeps every push under the peers' request body limit,
// with room for the envelope.
const maxChunkBytes = memory.MaxBodyBytes - 64<<10

// Reasons carried in quorum_not_met details.
const (
	reasonTimeout     = "timeout"     // peers did not answer in time
	reasonUnreachable = "unreachable" // every push failed before the timeout
	reasonCancelled   = "cancelled"   // the caller went away, or the node is stopping
)

// ack is the outcome of the push of one batch to one peer.
type ack struct {
	node string // node id that acknowledged; "" on failure
	err  error
}

// Replicate pushes a locally committed batch to every peer and returns the
// copies counted (this node's is the first) and nil once they reach W, or
// a quorum_not_met *memory.Error with details got, needed and reason. The
// pushes outlive the call: they run on the node's context, bounded by
// their own timeout and one retry, and show as pending fan-out in
// /sync/status until they end.
func (n *Node) Replicate(ctx context.Context, b *memory.Batch) (int, error) {
	if b.Empty() {
		return 0, nil
	}
	start := time.Now()
	chunks, err := encodeChunks(b)
	if err != nil {
		return 1, err
	}
	copies, reason := n.quorum(ctx, chunks)
	met := copies >= n.cfg.W
	n.metrics.quorum(met, reason, time.Since(start))
	if met {
		return copies, nil
	}
	return copies, &memory.Error{
		Code: memory.CodeQuorumNotMet,
		Message: "write kept on this node but not confirmed by enough peers; sync will carry it to them " +
			"(not rolled back: treat as not guaranteed and retry)",
		Details: map[string]any{"got": copies, "needed": n.cfg.W, "reason": reason},
	}
}

// fanoutFunc pushes one batch's chunks to the peers and counts the copies
// held, the local commit's included; when short of W it says why.
type fanoutFunc func(ctx context.Context, chunks [][]byte) (copies int, reason string)

// awaitQuorum is the fan-out: one push per peer on the node's context,
// waiting for enough distinct acknowledgements, the timeout, or every
// push to fail. Each copy counts n.ackWeight (1 but under a fault).
func (n *Node) awaitQuorum(ctx context.Context, chunks [][]byte) (int, string) {
	copies, weight := n.ackWeight, n.ackWeight // the local commit
	results := make(chan ack, len(n.peers))
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return copies, reasonCancelled
	}
	for _, p := range n.peers {
		n.track(p)
		n.fanout.Add(1)
		go func() {
			defer n.fanout.Done()
			results <- n.pushTracked(n.bg, p, chunks)
		}()
	}
	n.mu.Unlock()
	timer := time.NewTimer(n.cfg.QuorumTimeout)
	defer timer.Stop()
	seen := map[string]bool{}
	for answered := 0; copies < n.cfg.W && answered < len(n.peers); answered++ {
		select {
		case a := <-results:
			if a.err == nil && !seen[a.node] {
				seen[a.node] = true
				copies += weight
			}
		case <-timer.C:
			return copies, reasonTimeout
		case <-ctx.Done():
			return copies, reasonCancelled
		}
	}
	return copies, reasonUnreachable
}

// pushUntilQuorum is the fan-out under cancel-fanout-after-quorum:
// pushes stop as soon as quorum is met and the peers not yet served never
// get the batch. It pushes one peer after another so the defect shows on
// loopback too, where parallel pushes would all land within a millisecond
// of the first acknowledgement.
func (n *Node) pushUntilQuorum(ctx context.Context, chunks [][]byte) (int, string) {
	copies, weight := n.ackWeight, n.ackWeight // the local commit
	wctx, cancel := context.WithTimeout(ctx, n.cfg.QuorumTimeout)
	defer cancel()
	seen := map[string]bool{}
	for _, p := range n.peers {
		if copies >= n.cfg.W {
			break
		}
		n.track(p)
		if a := n.pushTracked(wctx, p, chunks); a.err == nil && !seen[a.node] {
			seen[a.node] = true
			copies += weight
		}
	}
	if wctx.Err() != nil {
		return copies, reasonTimeout
	}
	return copies, reasonUnreachable
}

// track counts a push as pending before it starts.
func (n *Node) track(p *peer) {
	n.metrics.pending.Inc()
	p.stat.add(func(s *peerStats) { s.pending++ })
}

// pushTracked pushes to p and records the outcome for status and metrics.
func (n *Node) pushTracked(ctx context.Context, p *peer, chunks [][]byte) ack {
	start := time.Now()
	node, err := n.pushWithRetry(ctx, p, chunks)
	n.metrics.pending.Dec()
	n.metrics.push(p.url, err, time.Since(start))
	now := time.Now()
	var wasFailing bool
	p.stat.add(func(s *peerStats) {
		s.pending--
		wasFailing = s.pushFailing
		s.pushFailing = err != nil
		if err != nil {
			s.pushFailed++
			s.lastErr, s.lastErrAt = "push: "+err.Error(), now
		} else {
			s.pushOK++
			s.lastOK = now
		}
	})
	// Log transitions only: a dead peer would otherwise log every write.
	switch {
	case err != nil && !wasFailing && !errors.Is(err, context.Canceled):
		n.log.Warn("pushes to peer failing; sync will repair what they miss", "peer", p.url, "err", err)
	case err == nil && wasFailing:
		n.log.Info("pushes to peer succeed again", "peer", p.url)
	}
	return ack{node: node, err: err}
}

// pushWithRetry makes at most two attempts, each bounded by the quorum
// timeout. Errors a retry cannot fix (4xx) are returned at once.
func (n *Node) pushWithRetry(ctx context.Context, p *peer, chunks [][]byte) (string, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(pushRetryDelay):
			}
		}
		actx, cancel := context.WithTimeout(ctx, n.cfg.QuorumTimeout)
		var node string
		node, err = p.push(actx, chunks)
		cancel()
		if err == nil {
			return node, nil
		}
		if pe, ok := err.(*peerError); ok && pe.permanent() {
			return "", err
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	return "", err
}

// encodeChunks serialises b, halving it until every part fits a request.
// Memories come before links and records, so the chunks arrive in the
// order a reader expects (links to unknown ids are stored anyway).
func encodeChunks(b *memory.Batch) ([][]byte, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, memory.Errorf(memory.CodeInternal, "encode batch: %v", err)
	}
	if len(raw) <= maxChunkBytes {
		return [][]byte{raw}, nil
	}
	rows := len(b.Memories) + len(b.Links) + len(b.Records)
	if rows < 2 {
		return nil, memory.Errorf(memory.CodeTooLarge, "one row of %d bytes exceeds the push limit", len(raw))
	}
	first, second := splitBatch(b, rows/2)
	a, err := encodeChunks(first)
	if err != nil {
		return nil, err
	}
	c, err := encodeChunks(second)
	return append(a, c...), err
}

// splitBatch cuts b after its first k rows (memories, then links, then records).
func splitBatch(b *memory.Batch, k int) (*memory.Batch, *memory.Batch) {
	x, y := &memory.Batch{Op: b.Op}, &memory.Batch{Op: b.Op}
	cut := func(n int) int { c := min(k, n); k -= c; return c }
	m := cut(len(b.Memories))
	x.Memories, y.Memories = b.Memories[:m], b.Memories[m:]
	l := cut(len(b.Links))
	x.Links, y.Links = b.Links[:l], b.Links[l:]
	r := cut(len(b.Records))
	x.Records, y.Records = b.Records[:r], b.Records[r:]
	return x, y
}

package federation

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httpapi"
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
	reasonCancelled   = "cancelled"   // the caller went away while waiting
)

// ack is the outcome of the push of one batch to one peer.
type ack struct {
	node string // node id that acknowledged; "" on failure
	err  error
}

// Replicate pushes a locally committed batch to every peer and returns nil
// once W copies are held (this node's counts as the first), or a
// quorum_not_met *memory.Error with details got, needed and reason. The
// pushes outlive the call: they run on the node's context, bounded by
// their own timeout and one retry, and show as pending fan-out in
// /sync/status until they end.
func (n *Node) Replicate(ctx context.Context, b *memory.Batch) error {
	start := time.Now()
	chunks, err := encodeChunks(b)
	if err != nil {
		return err
	}
	weight := 1
	if n.cfg.Faults.DoubleCountAck {
		weight = 2 // fault: every ack, the local commit's included, counts twice
	}
	copies := weight // the local commit
	results := make(chan ack, len(n.peers))
	fan, cancelFan := context.WithCancel(n.bg)
	n.fanOut(fan, cancelFan, chunks, results)

	timer := time.NewTimer(n.cfg.QuorumTimeout)
	defer timer.Stop()
	seen := map[string]bool{}
	reason := reasonUnreachable
	for answered := 0; copies < n.cfg.W && answered < len(n.peers); {
		select {
		case a := <-results:
			answered++
			if a.err == nil && !seen[a.node] {
				seen[a.node] = true
				copies += weight
			}
			continue
		case <-timer.C:
			reason = reasonTimeout
		case <-ctx.Done():
			reason = reasonCancelled
		}
		break
	}
	met := copies >= n.cfg.W
	if met && n.cfg.Faults.CancelFanoutAfterQuorum {
		cancelFan() // fault: abandon the pushes still owed (upstream #309)
	}
	n.metrics.quorum(met, reason, time.Since(start))
	httpapi.ReportQuorumAcks(ctx, copies)
	if met {
		return nil
	}
	return &memory.Error{
		Code: memory.CodeQuorumNotMet,
		Message: "write kept on this node but not confirmed by enough peers; sync will carry it to them " +
			"(not rolled back: treat as not guaranteed and retry)",
		Details: map[string]any{"got": copies, "needed": n.cfg.W, "reason": reason},
	}
}

// fanOut starts the pushes of one batch. Normally every peer gets its own
// goroutine. Under cancel-fanout-after-quorum the pushes go one peer after
// another, so that the cancellation at quorum reliably finds pushes not
// yet made; on loopback, parallel pushes would all land within a
// millisecond and the defect would only show under real network latency.
func (n *Node) fanOut(fan context.Context, cancel context.CancelFunc, chunks [][]byte, results chan<- ack) {
	n.fanout.Add(1)
	for _, p := range n.peers {
		n.metrics.pending.Inc()
		p.stat.add(func(s *peerStats) { s.pending++ })
	}
	done := func(p *peer, node string, err error, took time.Duration) {
		n.metrics.pending.Dec()
		n.metrics.push(p.url, err, took)
		p.stat.add(func(s *peerStats) {
			s.pending--
			if err != nil {
				s.pushFailed++
				s.lastErr, s.lastErrAt = "push: "+err.Error(), time.Now()
			} else {
				s.pushOK++
				s.lastOK = time.Now()
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			n.log.Warn("push failed; sync will repair it", "peer", p.url, "err", err)
		}
		results <- ack{node: node, err: err}
	}
	if n.cfg.Faults.CancelFanoutAfterQuorum {
		go func() {
			defer n.fanout.Done()
			defer cancel()
			for _, p := range n.peers {
				start := time.Now()
				node, err := n.pushWithRetry(fan, p, chunks)
				done(p, node, err, time.Since(start))
			}
		}()
		return
	}
	remaining := make(chan struct{}, len(n.peers))
	for _, p := range n.peers {
		go func() {
			start := time.Now()
			node, err := n.pushWithRetry(fan, p, chunks)
			done(p, node, err, time.Since(start))
			remaining <- struct{}{}
		}()
	}
	go func() {
		defer n.fanout.Done()
		defer cancel()
		for range n.peers {
			<-remaining
		}
	}()
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

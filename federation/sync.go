package federation

import (
	"context"
	"strconv"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// hwmKeyPrefix + peer node id is the local key of a peer's high-water mark.
const hwmKeyPrefix = "sync_hwm/"

// pullTimeout bounds one page request, so a paused peer (SIGSTOP) holds up
// only its own loop, and only for this long.
const pullTimeout = 10 * time.Second

// syncLoop pulls from one peer every sync interval until the node closes.
func (n *Node) syncLoop(p *peer) {
	t := time.NewTicker(n.cfg.SyncInterval)
	defer t.Stop()
	for {
		if err := n.pull(n.bg, p); err != nil && n.bg.Err() == nil {
			n.metrics.syncErrors.WithLabelValues(p.url).Inc()
			p.stat.add(func(s *peerStats) { s.lastErr, s.lastErrAt = "sync: "+err.Error(), time.Now() })
			n.log.Debug("sync pull failed", "peer", p.url, "err", err)
		}
		n.reportLag(p) // also while the peer is unreachable: lag keeps growing
		select {
		case <-n.bg.Done():
			return
		case <-t.C:
		}
	}
}

// pull applies the peer's change feed from the high-water mark until the
// end. The next page is fetched while the current one is applied, so the
// network and JSON work overlaps the store's. The mark moves only after a
// page is durably applied, so a crash re-reads at most one page, which
// LWW makes harmless.
func (n *Node) pull(ctx context.Context, p *peer) error {
	node, hwm := p.identity()
	if node == "" {
		// First contact: one row tells us who answers at this URL, and
		// so which stored mark is ours to resume from.
		a, err := n.page(ctx, p, 0, 1)
		if err != nil {
			return err
		}
		if hwm, err = n.adopt(ctx, p, a.NodeID); err != nil {
			return err
		}
		node = a.NodeID
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	pages := make(chan fetched)
	go n.prefetch(fctx, p, hwm, pages)
	for f := range pages {
		a := f.answer
		if f.err != nil {
			return f.err
		}
		if a.NodeID != node { // the URL now answers with another store
			_, err := n.adopt(ctx, p, a.NodeID)
			return err
		}
		rows := int64(len(a.Memories) + len(a.Links) + len(a.Records))
		if _, err := n.recv.pull(ctx, &a.Batch); err != nil {
			return err
		}
		if a.NextSeq > hwm {
			if err := n.st.LocalSet(ctx, hwmKeyPrefix+node, strconv.FormatInt(a.NextSeq, 10)); err != nil {
				return err
			}
			hwm = a.NextSeq
		}
		n.metrics.syncRows.WithLabelValues(p.url).Add(float64(rows))
		now := time.Now()
		p.stat.add(func(s *peerStats) {
			s.hwm, s.pulled, s.lastOK = hwm, s.pulled+rows, now
			s.headSeq = max(a.HeadSeq, hwm)
			if !a.More {
				s.caughtUp = now
			}
		})
	}
	return ctx.Err()
}

// fetched is one page read ahead by prefetch.
type fetched struct {
	answer sinceAnswer
	err    error
}

// prefetch reads the feed from seq page after page into out, one page
// ahead of the applier, until the last page, an error, or ctx ends.
func (n *Node) prefetch(ctx context.Context, p *peer, seq int64, out chan<- fetched) {
	defer close(out)
	for {
		a, err := n.page(ctx, p, seq, n.cfg.PageSize)
		select {
		case out <- fetched{a, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || !a.More {
			return
		}
		seq = a.NextSeq
	}
}

func (n *Node) page(ctx context.Context, p *peer, seq int64, limit int) (sinceAnswer, error) {
	pctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	return p.since(pctx, seq, limit)
}

// adopt records which node answers at p's URL and loads its mark.
func (n *Node) adopt(ctx context.Context, p *peer, node string) (int64, error) {
	raw, ok, err := n.st.LocalGet(ctx, hwmKeyPrefix+node)
	if err != nil {
		return 0, err
	}
	var hwm int64
	if ok {
		if hwm, err = strconv.ParseInt(raw, 10, 64); err != nil {
			return 0, memory.Errorf(memory.CodeInternal, "stored sync mark %q for %s: %v", raw, node, err)
		}
	}
	p.stat.add(func(s *peerStats) { s.nodeID, s.hwm, s.headSeq = node, hwm, hwm })
	return hwm, nil
}

// identity is the node id last seen at p's URL and its mark.
func (p *peer) identity() (string, int64) {
	p.stat.mu.Lock()
	defer p.stat.mu.Unlock()
	return p.stat.nodeID, p.stat.hwm
}

func (n *Node) reportLag(p *peer) {
	st := p.stat.snapshot(p.url, time.Now())
	n.metrics.lagRows.WithLabelValues(p.url).Set(float64(st.LagSeq))
	n.metrics.lagSeconds.WithLabelValues(p.url).Set(float64(st.LagMs) / 1000)
}

package federation

import (
	"net/http"
	"time"
)

// Status is the answer of GET /api/v1/sync/status.
type Status struct {
	NodeID        string       `json:"node_id"`
	QuorumWrites  int          `json:"quorum_writes"`
	Nodes         int          `json:"nodes"`
	PendingFanout int64        `json:"pending_fanout"`
	SyncEnabled   bool         `json:"sync_enabled"`
	Faults        []string     `json:"faults"`
	Peers         []PeerStatus `json:"peers"`
}

// PeerStatus is what this node knows about one peer.
//
// LagSeq is how many rows of the peer's change feed this node has not
// applied yet, as far as it knows (the peer's newest sequence seen minus
// the high-water mark). LagMs is the time since this node last held
// everything the peer had; -1 means never.
type PeerStatus struct {
	URL           string     `json:"url"`
	NodeID        string     `json:"node_id,omitempty"`
	HighWaterSeq  int64      `json:"high_water_seq"`
	PeerHeadSeq   int64      `json:"peer_head_seq"`
	LagSeq        int64      `json:"lag_seq"`
	LagMs         int64      `json:"lag_ms"`
	RowsPulled    int64      `json:"rows_pulled"`
	LastContact   *time.Time `json:"last_contact,omitempty"`
	PendingFanout int64      `json:"pending_fanout"`
	PushesOK      int64      `json:"pushes_ok"`
	PushesFailed  int64      `json:"pushes_failed"`
	LastError     string     `json:"last_error,omitempty"`
	LastErrorAt   *time.Time `json:"last_error_at,omitempty"`
}

// add changes the stats under their lock.
func (s *peerStats) add(f func(*peerStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *peerStats) snapshot(url string, now time.Time) PeerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := PeerStatus{URL: url, NodeID: s.nodeID, HighWaterSeq: s.hwm, PeerHeadSeq: s.headSeq,
		LagSeq: max(0, s.headSeq-s.hwm), LagMs: -1, RowsPulled: s.pulled,
		PendingFanout: s.pending, PushesOK: s.pushOK, PushesFailed: s.pushFailed, LastError: s.lastErr}
	if !s.caughtUp.IsZero() {
		ps.LagMs = now.Sub(s.caughtUp).Milliseconds()
	}
	if !s.lastOK.IsZero() {
		t := s.lastOK.UTC()
		ps.LastContact = &t
	}
	if !s.lastErrAt.IsZero() {
		t := s.lastErrAt.UTC()
		ps.LastErrorAt = &t
	}
	return ps
}

// Status reports the node's view of the cluster.
func (n *Node) Status() Status {
	now := time.Now()
	st := Status{NodeID: n.eng.NodeID(), QuorumWrites: n.cfg.W, Nodes: len(n.peers) + 1,
		SyncEnabled: n.syncEnabled(), Faults: n.cfg.Faults.Active(), Peers: make([]PeerStatus, 0, len(n.peers))}
	for _, p := range n.peers {
		ps := p.stat.snapshot(p.url, now)
		st.PendingFanout += ps.PendingFanout
		st.Peers = append(st.Peers, ps)
	}
	return st
}

func (n *Node) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, n.Status())
}

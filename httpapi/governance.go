package httpapi

import (
	"context"
	"net/http"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// notify fires the store webhooks in the background, as the MCP face
// does: a slow subscriber must not slow the write. Memories queue while a
// drainer runs, so under load one subscription lookup covers many writes
// (and most stores have no subscriptions at all). Serve waits for
// deliveries still running at shutdown.
func (s *Server) notify(ms ...memory.Memory) {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.notifyQueue = append(s.notifyQueue, ms...)
	if s.draining {
		return
	}
	s.draining = true
	s.deliveries.Add(1)
	go s.drainNotifications()
}

func (s *Server) drainNotifications() {
	defer s.deliveries.Done()
	for {
		s.notifyMu.Lock()
		batch := s.notifyQueue
		s.notifyQueue = nil
		if len(batch) == 0 {
			s.draining = false
			s.notifyMu.Unlock()
			return
		}
		s.notifyMu.Unlock()
		s.deliver(batch)
	}
}

func (s *Server) deliver(batch []memory.Memory) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subs, err := s.eng.Subscriptions(ctx)
	if err != nil || len(subs) == 0 {
		if err != nil {
			s.log.Warn("webhook delivery", "err", err)
		}
		return
	}
	for _, m := range batch {
		ds, err := s.eng.NotifySubscribers(ctx, engine.EventStore, m)
		if err != nil {
			s.log.Warn("webhook delivery", "err", err)
			return
		}
		for _, d := range ds {
			if d.Error != "" || d.Status >= 300 {
				s.log.Warn("webhook delivery failed", "subscription", d.SubscriptionID, "url", d.URL, "status", d.Status, "err", d.Error)
			}
		}
	}
}

type agentRequest struct {
	AgentID      string   `json:"agent_id"`
	AgentType    string   `json:"agent_type"`
	Capabilities []string `json:"capabilities"`
	Description  string   `json:"description"`
}

func (s *Server) registerAgent(w http.ResponseWriter, r *http.Request) {
	var in agentRequest
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.AgentID == "" {
		in.AgentID = r.Header.Get("X-Agent-Id")
	}
	a, acks, err := s.eng.RegisterAgent(r.Context(), engine.Agent{AgentID: in.AgentID, AgentType: in.AgentType, Capabilities: in.Capabilities, Description: in.Description})
	id := ""
	if a != nil {
		id = a.MemoryID
	}
	s.writeStored(w, r, http.StatusCreated, id, err, struct {
		*engine.Agent
		QuorumAcks int `json:"quorum_acks,omitempty"`
	}{a, acks})
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := s.eng.ListAgents(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": agents, "count": len(agents)})
}

func (s *Server) listPending(w http.ResponseWriter, r *http.Request) {
	p := queryParams(r)
	status, limit := p.str("status"), p.int("limit")
	if p.err != nil {
		s.fail(w, r, p.err)
		return
	}
	ps, err := s.eng.PendingList(r.Context(), status, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": ps, "count": len(ps)})
}

type decisionRequest struct {
	DecidedBy string `json:"decided_by"`
}

// decidePending approves or rejects; the decider is decided_by, else the
// X-Agent-Id of the caller.
func (s *Server) decidePending(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in decisionRequest
		if err := decodeJSON(r, &in, true); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.DecidedBy == "" {
			in.DecidedBy = r.Header.Get("X-Agent-Id")
		}
		decide := s.eng.PendingReject
		if approve {
			decide = s.eng.PendingApprove
		}
		p, acks, err := decide(r.Context(), r.PathValue("id"), in.DecidedBy)
		id := ""
		if p != nil {
			id = p.MemoryID
		}
		s.writeStored(w, r, http.StatusOK, id, err, struct {
			*engine.Pending
			QuorumAcks int `json:"quorum_acks,omitempty"`
		}{p, acks})
	}
}

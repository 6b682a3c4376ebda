package httpapi

import (
	"net/http"

	"github.com/aimemory/ai-memory/engine"
)

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

package httpapi

import (
	"net/http"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	// A cheap read proves the store answers; a broken store is 503 so
	// load balancers and the gate stop sending writes.
	if err := s.eng.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unhealthy", "service": "ai-memory",
			"version": s.opts.Version, "node_id": s.eng.NodeID(), "federation_enabled": s.opts.FederationEnabled})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "service": "ai-memory", "version": s.opts.Version,
		"node_id": s.eng.NodeID(), "federation_enabled": s.opts.FederationEnabled})
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) namespaces(w http.ResponseWriter, r *http.Request) {
	ns, err := s.eng.Namespaces(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespaces": ns, "count": len(ns)})
}

func (s *Server) forget(w http.ResponseWriter, r *http.Request) {
	var q engine.ForgetQuery
	if err := decodeJSON(r, &q, false); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.eng.Forget(r.Context(), q)
	s.writeBulk(w, r, res, err)
}

type gcRequest struct {
	DryRun bool `json:"dry_run"`
}

func (s *Server) gc(w http.ResponseWriter, r *http.Request) {
	var in gcRequest
	if err := decodeJSON(r, &in, true); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.eng.GC(r.Context(), in.DryRun)
	s.writeBulk(w, r, res, err)
}

// writeBulk answers a bulk archive; a missed quorum keeps the local result.
func (s *Server) writeBulk(w http.ResponseWriter, r *http.Request, res engine.BulkResult, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		engine.BulkResult
		QuorumAcks int `json:"quorum_acks,omitempty"`
	}{res, res.Acks})
}

func (s *Server) consolidate(w http.ResponseWriter, r *http.Request) {
	var in engine.ConsolidateInput
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.AgentID == "" {
		in.AgentID = r.Header.Get("X-Agent-Id")
	}
	if in.Source == "" {
		in.Source = defaultSource
	}
	res, err := s.eng.Consolidate(r.Context(), in)
	s.writeStored(w, r, http.StatusCreated, res.Memory.ID, err, struct {
		engine.ConsolidateResult
		QuorumAcks int `json:"quorum_acks,omitempty"`
	}{res, res.Acks})
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	ns := r.URL.Query().Get("namespace")
	if ns != "" {
		if err := memory.ValidateNamespace(ns); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	x, err := s.eng.Export(r.Context(), ns)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

// importData applies an export body; at most memory.MaxBatchItems
// memories per request (clients chunk larger exports).
func (s *Server) importData(w http.ResponseWriter, r *http.Request) {
	var x engine.Export
	if err := decodeJSON(r, &x, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(x.Memories) > memory.MaxBatchItems || len(x.Links) > memory.MaxBatchItems*10 {
		s.fail(w, r, memory.Errorf(memory.CodeTooLarge, "import holds %d memories and %d links; the limit is %d and %d per request",
			len(x.Memories), len(x.Links), memory.MaxBatchItems, memory.MaxBatchItems*10))
		return
	}
	res, err := s.eng.Import(r.Context(), &x)
	s.writeStored(w, r, http.StatusOK, "", err, struct {
		engine.ImportResult
		QuorumAcks int `json:"quorum_acks,omitempty"`
	}{res, res.Acks})
}

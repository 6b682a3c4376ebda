package httpapi

import (
	"bytes"
	"net/http"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// defaultSource is recorded when an API client names no source.
const defaultSource = "api"

// fillNew applies the request's defaults: agent from X-Agent-Id when the
// body names none, source "api".
func fillNew(r *http.Request, in *engine.NewMemory) {
	if in.AgentID == "" {
		in.AgentID = r.Header.Get("X-Agent-Id")
	}
	if in.Source == "" {
		in.Source = defaultSource
	}
}

func (s *Server) createMemory(w http.ResponseWriter, r *http.Request) {
	var in engine.NewMemory
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	fillNew(r, &in)
	res, err := s.eng.StoreGoverned(r.Context(), in)
	if res.Pending != nil {
		// A namespace standard requires approval: nothing is stored yet.
		writeJSON(w, http.StatusAccepted, map[string]any{"status": engine.PendingStatus, "pending_id": res.Pending.ID, "pending": res.Pending})
		return
	}
	stored := engine.StoreResult{}
	if res.Stored != nil {
		stored = *res.Stored
	}
	// 201 also when the store de-duplicated onto the memory with this
	// title: the client asked to create and now holds that id.
	s.writeStored(w, r, http.StatusCreated, stored.Memory.ID, err, storedMemory{&stored.Memory, stored.Acks})
}

// bulkRequest accepts {"memories":[...]}; a bare JSON array is accepted too.
type bulkRequest struct {
	Memories []engine.NewMemory `json:"memories"`
}

func (s *Server) bulkCreate(w http.ResponseWriter, r *http.Request) {
	var in bulkRequest
	body, err := readBody(r)
	if err == nil {
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
			err = decodeBody(body, &in.Memories, false)
		} else {
			err = decodeBody(body, &in, false)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(in.Memories) == 0 {
		s.fail(w, r, memory.Errorf(memory.CodeInvalid, "no memories given"))
		return
	}
	for i := range in.Memories {
		fillNew(r, &in.Memories[i])
	}
	res, err := s.eng.StoreMany(r.Context(), in.Memories)
	out := bulkResponse{IDs: make([]string, len(res)), Count: len(res)}
	for i, m := range res {
		out.IDs[i] = m.Memory.ID
		if m.Created {
			out.Created++
		}
		out.QuorumAcks = m.Acks
	}
	out.Updated = out.Count - out.Created
	firstID := ""
	if len(res) > 0 {
		firstID = out.IDs[0]
	}
	s.writeStored(w, r, http.StatusCreated, firstID, err, out)
}

type bulkResponse struct {
	IDs        []string `json:"ids"`
	Count      int      `json:"count"`
	Created    int      `json:"created"`
	Updated    int      `json:"updated"`
	QuorumAcks int      `json:"quorum_acks,omitempty"`
}

func (s *Server) listMemories(w http.ResponseWriter, r *http.Request) {
	p := queryParams(r)
	q := p.listQuery()
	if p.err != nil {
		s.fail(w, r, p.err)
		return
	}
	res, err := s.eng.List(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) getMemory(w http.ResponseWriter, r *http.Request) {
	m, links, err := s.eng.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if links == nil {
		links = []memory.Link{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"memory": m, "links": links})
}

func (s *Server) updateMemory(w http.ResponseWriter, r *http.Request) {
	var p engine.Patch
	if err := decodeJSON(r, &p, false); err != nil {
		s.fail(w, r, err)
		return
	}
	m, acks, err := s.eng.Update(r.Context(), r.PathValue("id"), p)
	if m == nil {
		m = &memory.Memory{}
	}
	s.writeStored(w, r, http.StatusOK, m.ID, err, storedMemory{m, acks})
}

func (s *Server) deleteMemory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	acks, err := s.eng.Delete(r.Context(), id)
	if memory.ErrorCode(err) != memory.CodeQuorumNotMet && err != nil {
		id = ""
	}
	s.writeStored(w, r, http.StatusOK, id, err, deleteResponse{Deleted: true, ID: id, QuorumAcks: acks})
}

type deleteResponse struct {
	Deleted    bool   `json:"deleted"`
	ID         string `json:"id"`
	QuorumAcks int    `json:"quorum_acks,omitempty"`
}

type promoteRequest struct {
	Namespace string `json:"namespace"`
}

func (s *Server) promoteMemory(w http.ResponseWriter, r *http.Request) {
	var in promoteRequest
	if err := decodeJSON(r, &in, true); err != nil {
		s.fail(w, r, err)
		return
	}
	m, acks, err := s.eng.Promote(r.Context(), r.PathValue("id"), in.Namespace)
	if m == nil {
		m = &memory.Memory{}
	}
	s.writeStored(w, r, http.StatusOK, m.ID, err, storedMemory{m, acks})
}

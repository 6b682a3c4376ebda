package httpapi

import (
	"net/http"

	memory "github.com/aimemory/ai-memory"
)

type linkRequest struct {
	SourceID string          `json:"source_id"`
	TargetID string          `json:"target_id"`
	Relation memory.Relation `json:"relation"`
}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request) {
	var in linkRequest
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	l, acks, err := s.eng.Link(r.Context(), in.SourceID, in.TargetID, in.Relation)
	id := ""
	if l != nil {
		id = l.SourceID
	}
	s.writeStored(w, r, http.StatusCreated, id, err, struct {
		*memory.Link
		QuorumAcks int `json:"quorum_acks,omitempty"`
	}{l, acks})
}

// deleteLink removes the link named in the body (relation defaults to
// related_to, as on create).
func (s *Server) deleteLink(w http.ResponseWriter, r *http.Request) {
	var in linkRequest
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Relation == "" {
		in.Relation = memory.RelatedTo
	}
	_, err := s.eng.Unlink(r.Context(), in.SourceID, in.TargetID, in.Relation)
	s.writeStored(w, r, http.StatusOK, in.SourceID, err,
		map[string]any{"deleted": true, "source_id": in.SourceID, "target_id": in.TargetID, "relation": in.Relation})
}

func (s *Server) getLinks(w http.ResponseWriter, r *http.Request) {
	links, err := s.eng.Links(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": links, "count": len(links)})
}

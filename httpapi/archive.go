package httpapi

import (
	"net/http"
)

func (s *Server) archiveList(w http.ResponseWriter, r *http.Request) {
	p := queryParams(r)
	q := p.listQuery()
	if p.err != nil {
		s.fail(w, r, p.err)
		return
	}
	res, err := s.eng.ArchiveList(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) archiveStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.ArchiveStats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) archiveRestore(w http.ResponseWriter, r *http.Request) {
	m, acks, err := s.eng.ArchiveRestore(r.Context(), r.PathValue("id"))
	id := ""
	if m != nil {
		id = m.ID
	}
	s.writeStored(w, r, http.StatusOK, id, err, storedMemory{m, acks})
}

type purgeRequest struct {
	OlderThanDays int  `json:"older_than_days"`
	DryRun        bool `json:"dry_run"`
}

func (s *Server) archivePurge(w http.ResponseWriter, r *http.Request) {
	var in purgeRequest
	if err := decodeJSON(r, &in, true); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.eng.ArchivePurge(r.Context(), in.OlderThanDays, in.DryRun)
	s.writeBulk(w, r, res, err)
}

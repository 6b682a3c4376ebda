package httpapi

import (
	"encoding/json"
	"net/http"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail logs errors that answer 500 (the client learns nothing of them),
// then answers err (package httperror).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if httperror.Status(memory.ErrorCode(err)) == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	httperror.Write(w, err)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	httperror.Write(w, memory.Errorf(memory.CodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
}

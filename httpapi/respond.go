package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	memory "github.com/aimemory/ai-memory"
)

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case memory.CodeInvalid:
		return http.StatusBadRequest
	case codeUnprocessable:
		return http.StatusUnprocessableEntity
	case memory.CodeUnauthorized:
		return http.StatusUnauthorized
	case memory.CodeForbidden:
		return http.StatusForbidden
	case memory.CodeNotFound:
		return http.StatusNotFound
	case memory.CodeConflict:
		return http.StatusConflict
	case memory.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case memory.CodeQuorumNotMet, memory.CodeUnavailable:
		return http.StatusServiceUnavailable
	case memory.CodeInsufficientStorage:
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// codeUnprocessable marks well-formed JSON whose values have the wrong
// type (a string where a number belongs): 422, as axum-based upstream does.
// Wire clients see it as invalid_argument.
const codeUnprocessable = "invalid_argument/422"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteError answers {"error":{"code","message",...details}} with the
// status of the code, and Retry-After on 503; routes mounted from other
// packages (federation) use it so that every route answers alike. Internal
// errors keep their cause out of the response.
func WriteError(w http.ResponseWriter, err error) {
	var me *memory.Error
	if !errors.As(err, &me) {
		me = memory.Errorf(memory.CodeInternal, "internal error")
	}
	status := statusOf(me.Code)
	code := me.Code
	if code == codeUnprocessable {
		code = memory.CodeInvalid
	}
	body := make(map[string]any, len(me.Details)+2)
	for k, v := range me.Details {
		body[k] = v
	}
	body["code"], body["message"] = code, me.Message
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	writeJSON(w, status, map[string]any{"error": body})
}

// fail logs unexpected errors, then answers them.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if memory.ErrorCode(err) == memory.CodeInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteError(w, err)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, memory.Errorf(memory.CodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
}

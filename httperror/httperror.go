// Package httperror is the one table from error codes to HTTP statuses,
// and the one error body, for every HTTP face of ai-memory: the API
// (httpapi), the peer endpoints (federation) and the MCP endpoint's own
// refusals (mcpserver).
package httperror

import (
	"encoding/json"
	"errors"
	"net/http"

	memory "github.com/aimemory/ai-memory"
)

// CodeUnprocessable marks well-formed JSON whose values have the wrong
// type (a string where a number belongs): 422. Clients see it as
// invalid_argument.
const CodeUnprocessable = memory.CodeInvalid + "/422"

// statuses maps every code to its status; any other code is 500.
var statuses = map[string]int{
	memory.CodeInvalid:             http.StatusBadRequest,
	CodeUnprocessable:              http.StatusUnprocessableEntity,
	memory.CodeUnauthorized:        http.StatusUnauthorized,
	memory.CodeForbidden:           http.StatusForbidden,
	memory.CodeNotFound:            http.StatusNotFound,
	memory.CodeConflict:            http.StatusConflict,
	memory.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	memory.CodeQuorumNotMet:        http.StatusServiceUnavailable,
	memory.CodeUnavailable:         http.StatusServiceUnavailable,
	memory.CodeInsufficientStorage: http.StatusInsufficientStorage,
	memory.CodeInternal:            http.StatusInternalServerError,
}

// Status is the HTTP status of an error code.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "internal error"

// Write answers {"error":{"code","message",…details}} with the status of
// err's code, and Retry-After on 503. An error without a code, or with
// the internal code, is answered as internal with no message or details
// of its own: what failed inside stays in the server's log.
func Write(w http.ResponseWriter, err error) {
	var me *memory.Error
	if !errors.As(err, &me) || Status(me.Code) == http.StatusInternalServerError {
		me = &memory.Error{Code: memory.CodeInternal, Message: internalMessage}
	}
	status := Status(me.Code)
	code := me.Code
	if code == CodeUnprocessable {
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
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

package httperror

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func answer(err error) (int, map[string]any, http.Header) {
	rec := httptest.NewRecorder()
	Write(rec, err)
	var body struct {
		Error map[string]any `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body.Error, rec.Header()
}

func TestEveryCodeHasItsStatus(t *testing.T) {
	for code, want := range map[string]int{
		memory.CodeInvalid: 400, CodeUnprocessable: 422, memory.CodeUnauthorized: 401, memory.CodeForbidden: 403,
		memory.CodeNotFound: 404, memory.CodeConflict: 409, memory.CodeTooLarge: 413, memory.CodeQuorumNotMet: 503,
		memory.CodeUnavailable: 503, memory.CodeInsufficientStorage: 507, memory.CodeInternal: 500, "made_up": 500,
	} {
		status, body, h := answer(&memory.Error{Code: code, Message: "m", Details: map[string]any{"got": 1}})
		if status != want {
			t.Errorf("%s: status %d; want %d", code, status, want)
		}
		wireCode := code
		if code == CodeUnprocessable {
			wireCode = memory.CodeInvalid
		}
		if want == 500 {
			wireCode = memory.CodeInternal
		}
		if body["code"] != wireCode {
			t.Errorf("%s: wire code %v; want %s", code, body["code"], wireCode)
		}
		if (h.Get("Retry-After") == "2") != (want == 503) {
			t.Errorf("%s: Retry-After %q", code, h.Get("Retry-After"))
		}
	}
}

// What failed inside never reaches the client: not the message of an
// internal error, not its details, not the text of an uncoded error.
func TestInternalErrorsSayNothing(t *testing.T) {
	for _, err := range []error{
		errors.New("open /var/lib/secret.db: permission denied"),
		fmt.Errorf("wrapped: %w", errors.New("sql: connection refused at 10.0.0.7")),
		&memory.Error{Code: memory.CodeInternal, Message: "decode record k: unexpected EOF", Details: map[string]any{"path": "/x"}},
		&memory.Error{Code: "unknown_code", Message: "leaky"},
	} {
		status, body, _ := answer(err)
		if status != 500 || body["code"] != memory.CodeInternal || body["message"] != "internal error" || len(body) != 2 {
			t.Errorf("%v answered %d %v; want 500 internal error and nothing else", err, status, body)
		}
	}
	status, body, _ := answer(fmt.Errorf("context: %w", memory.Errorf(memory.CodeNotFound, "memory x not found")))
	if status != 404 || body["message"] != "memory x not found" {
		t.Errorf("a wrapped coded error answered %d %v; want 404 with its message", status, body)
	}
}

package memory

import (
	"errors"
	"fmt"
)

// Error codes carried in every error response: {"error":{"code","message"}}.
const (
	CodeInvalid      = "invalid_argument" // 400/422
	CodeNotFound     = "not_found"        // 404
	CodeConflict     = "conflict"         // 409
	CodeTooLarge     = "too_large"        // 413
	CodeUnauthorized = "unauthorized"     // 401
	CodeQuorumNotMet = "quorum_not_met"   // 503
	CodeUnavailable  = "unavailable"      // 503
	CodeInternal     = "internal"         // 500
	CodeForbidden    = "forbidden"        // 403
	// CodeInsufficientStorage: the disk is full and the write was not
	// applied (its transaction did not commit).
	CodeInsufficientStorage = "insufficient_storage" // 507
)

// Error is an error with a stable code that transports map to a status.
type Error struct {
	Code    string
	Message string
	// Details are extra fields merged into the error object (e.g. quorum got/needed).
	Details map[string]any
	// Cause is the error this one classifies, for errors.Is and errors.As;
	// it is never sent to clients.
	Cause error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// ErrorCode extracts the code of err, or CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

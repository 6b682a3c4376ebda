package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

// RequireAPIKey rejects requests without the configured key with 401. It is
// a no-op when no key is configured. Keys are compared as SHA-256 digests
// in constant time, so neither content nor length leaks through timing.
func (s *Server) RequireAPIKey(h http.Handler) http.Handler {
	if s.opts.APIKey == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.opts.APIKey))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(presentedKey(r)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ai-memory"`)
			httperror.Write(w, memory.Errorf(memory.CodeUnauthorized, "missing or wrong API key (X-API-Key or Authorization: Bearer)"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func presentedKey(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// limitBody caps request bodies; decodeJSON turns the overflow into 413.
func (s *Server) limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > memory.MaxBodyBytes {
			httperror.Write(w, tooLarge())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, memory.MaxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

func tooLarge() error {
	return memory.Errorf(memory.CodeTooLarge, "request body exceeds %d bytes", memory.MaxBodyBytes)
}

// statusWriter remembers the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines (MCP streams).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe records metrics by route pattern (not raw path, which would
// explode label cardinality) and logs each request at debug level, failures
// at warn and error.
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		code := strconv.Itoa(sw.status)
		s.metrics.requests.WithLabelValues(route, code).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
		level := slog.LevelDebug
		switch {
		case sw.status >= 500:
			level = slog.LevelError
		case sw.status >= 400:
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route,
			"status", sw.status, "duration_ms", float64(elapsed.Microseconds())/1000, "agent_id", r.Header.Get("X-Agent-Id"))
	})
}

// recoverPanics answers 500 instead of dropping the connection and logs
// the stack: a handler bug must not take the node down.
func (s *Server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				httperror.Write(w, memory.Errorf(memory.CodeInternal, "internal error"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

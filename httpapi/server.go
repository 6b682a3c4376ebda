// Package httpapi is the HTTP face of ai-memory: a JSON API over an
// engine.Engine on a net/http ServeMux.
//
// Extension seam. Other packages mount their own routes on the same server
// before it starts serving:
//
//	srv := httpapi.New(httpapi.Options{Engine: eng, APIKey: key})
//	srv.Handle("POST /mcp", mcpHandler)                  // behind the API key
//	srv.HandleUnauthenticated("POST /api/v1/sync/push", // the handler does
//		peerAuth(syncPush))                               // its own peer auth
//
// Every route, mounted or built in, runs inside the same chain: panic
// recovery, Prometheus metrics by route pattern and status, a structured
// access log, and the 2 MiB body limit. Handle adds the API-key check;
// RequireAPIKey exposes that check for handlers mounted unauthenticated that
// want it back on some paths. A write answers quorum_acks, the nodes
// holding it, when the engine's result counts them (see write.go).
package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// Options configure a Server.
type Options struct {
	Engine *engine.Engine
	// APIKey, when set, is required on every route but /api/v1/health, as
	// X-API-Key: KEY or Authorization: Bearer KEY.
	APIKey string
	// Version is reported by /api/v1/health.
	Version string
	// FederationEnabled is reported by /api/v1/health.
	FederationEnabled bool
	// Middleware, when set, wraps every route, built in or mounted, inside
	// the chain (after panic recovery, metrics and the body limit, before
	// routing). serve installs fault switches with it (faults.CapList);
	// nothing else sets it.
	Middleware func(http.Handler) http.Handler
	// Logger receives access and error logs; nil discards them.
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics; nil
	// means a fresh registry with the Go and process collectors.
	Registry *prometheus.Registry
}

// Server is an http.Handler serving the API.
type Server struct {
	eng     *engine.Engine
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	handler http.Handler
}

// New builds a server with every built-in route mounted.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = newRegistry()
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	s := &Server{eng: opts.Engine, opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(opts.Registry)
	var routed http.Handler = s.mux
	if opts.Middleware != nil {
		routed = opts.Middleware(routed)
	}
	s.handler = s.recoverPanics(s.observe(s.limitBody(routed)))
	s.routes()
	return s
}

// Handle mounts h on pattern (ServeMux syntax, e.g. "POST /mcp") behind
// the API key.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.RequireAPIKey(h))
}

// HandleUnauthenticated mounts h without the API-key check; h must
// authenticate callers itself (peer sync) or be deliberately open (health).
func (s *Server) HandleUnauthenticated(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// ServeHTTP runs the middleware chain and the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve answers on ln until ctx is cancelled, then stops accepting and
// waits up to grace for in-flight requests to finish. tlsCfg may be nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		return memory.Errorf(memory.CodeUnavailable, "requests still running after %s were cut off", grace)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
)

// serveFlags are the flags of serve, with those of the parts other files
// add to it: MCP at /mcp (mcp.go), federation (serve_federation.go) and
// fault injection (serve_faults.go).
type serveFlags struct {
	host, apiKey, tlsCert, tlsKey, nodeID, logLevel string
	port, graceSecs                                 int
	mcpTools                                        string
	fed                                             federationFlags
	faults                                          faultFlags
}

func newServeCmd(a *app) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API (SIGTERM or SIGINT shuts down gracefully)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.runServe(cmd.Context(), &f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.host, "host", "127.0.0.1", "listen address")
	fs.IntVar(&f.port, "port", 9077, "listen port (0 picks a free one)")
	fs.StringVar(&f.apiKey, "api-key", "", "require this key (X-API-Key or Authorization: Bearer) on every route but health (env AI_MEMORY_API_KEY, config api_key)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.IntVar(&f.graceSecs, "shutdown-grace-secs", 30, "on SIGTERM, wait this long for in-flight requests")
	fs.StringVar(&f.nodeID, "node-id", "", "this node's id (persisted in the store; default: generated once)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug (every request), info, warn or error")
	fs.StringVar(&f.mcpTools, "mcp-tools", "all", "/mcp "+toolsUsage)
	f.fed.register(fs)
	f.faults.register(fs)
	return cmd
}

// serveContext is what the parts of serve other files own may change:
// MCP over HTTP (mcp.go), fault injection and federation
// (serve_federation.go). They run after the engine is open and before the
// HTTP server is built.
type serveContext struct {
	Engine *engine.Engine
	// Store is the engine's store, for the parts that read it directly
	// (federation's change feed) or tune it (fault switches).
	Store  memory.Store
	Logger *slog.Logger
	// HTTP are the server options; a part may set FederationEnabled, wrap
	// nothing else.
	HTTP *httpapi.Options
	// TLS is the API's TLS configuration (nil: plain HTTP); federation
	// adds the peer CA for mutual TLS.
	TLS *tls.Config
	// Mount adds routes once the server exists (srv.Handle / HandleUnauthenticated).
	mounts []func(*httpapi.Server)
	// stops run after the HTTP server stopped, before the store closes,
	// in reverse registration order.
	stops []func()
}

// Mount registers f to add routes to the server.
func (sc *serveContext) Mount(f func(*httpapi.Server)) { sc.mounts = append(sc.mounts, f) }

// OnStop registers f to stop background work (sync loops) at shutdown.
func (sc *serveContext) OnStop(f func()) { sc.stops = append(sc.stops, f) }

// newLogger logs JSON on stderr at level.
func (a *app) newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, invalidf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: l})), nil
}

func (a *app) runServe(ctx context.Context, f *serveFlags) error {
	log, err := a.newLogger(f.logLevel)
	if err != nil {
		return err
	}
	if f.graceSecs < 0 {
		return invalidf("--shutdown-grace-secs must not be negative")
	}
	var tlsCfg *tls.Config
	if f.tlsCert != "" || f.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return invalidf("--tls-cert/--tls-key: %v", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	eng, st, closeStore, err := a.openNode(ctx, f.nodeID, log)
	if err != nil {
		return err
	}
	defer closeStore()
	sc := &serveContext{Engine: eng, Store: st, Logger: log, TLS: tlsCfg, HTTP: &httpapi.Options{
		Engine: eng, APIKey: a.cfg.apiKey, Version: version, Logger: log,
	}}
	defer func() {
		for i := len(sc.stops) - 1; i >= 0; i-- {
			sc.stops[i]()
		}
	}()
	if err := a.mountMCP(sc, f.mcpTools); err != nil {
		return err
	}
	if err := serveFederation(ctx, sc, f.fed, f.faults); err != nil {
		return err
	}
	tlsCfg = sc.TLS
	srv := httpapi.New(*sc.HTTP)
	for _, m := range sc.mounts {
		m(srv)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(f.host, strconv.Itoa(f.port)))
	if err != nil {
		return memory.Errorf(memory.CodeUnavailable, "listen: %v", err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	log.Info("serving", "url", url, "node_id", eng.NodeID(), "db", a.global.DB, "auth", a.cfg.apiKey != "")
	// One line on stdout tells scripts and tests where the API is.
	if a.global.JSON {
		json.NewEncoder(a.stdout).Encode(map[string]string{"listening": url, "node_id": eng.NodeID()})
	} else {
		fmt.Fprintf(a.stdout, "ai-memory listening on %s (node %s)\n", url, eng.NodeID())
	}
	err = srv.Serve(ctx, ln, tlsCfg, time.Duration(f.graceSecs)*time.Second)
	log.Info("stopped", "err", err)
	return err
}

package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
)

var serveFlags struct {
	host, apiKey, tlsCert, tlsKey, nodeID, logLevel string
	port, graceSecs                                 int
}

var serveCmd = &cobra.Command{
	Use:   "serve",
	Short: "Run the HTTP API (SIGTERM or SIGINT shuts down gracefully)",
	Args:  cobra.NoArgs,
	RunE:  runServe,
}

func init() {
	fs := serveCmd.Flags()
	fs.StringVar(&serveFlags.host, "host", "127.0.0.1", "listen address")
	fs.IntVar(&serveFlags.port, "port", 9077, "listen port (0 picks a free one)")
	fs.StringVar(&serveFlags.apiKey, "api-key", "", "require this key (X-API-Key or Authorization: Bearer) on every route but health (env AI_MEMORY_API_KEY, config api_key)")
	fs.StringVar(&serveFlags.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	fs.StringVar(&serveFlags.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.IntVar(&serveFlags.graceSecs, "shutdown-grace-secs", 30, "on SIGTERM, wait this long for in-flight requests")
	fs.StringVar(&serveFlags.nodeID, "node-id", "", "this node's id (persisted in the store; default: generated once)")
	fs.StringVar(&serveFlags.logLevel, "log-level", "info", "debug (every request), info, warn or error")
	rootCmd.AddCommand(serveCmd)
}

// serveHook extends serve from another file without editing this one.
// Such a file adds its flags to serveCmd.Flags() in its init and registers
// a hook with registerServeHook; serve_federation.go (quorum writes, peer
// sync, faults) and mcp.go (MCP over HTTP) do this.
type serveHook func(ctx context.Context, sc *serveContext) error

var serveHooks []serveHook

func registerServeHook(h serveHook) { serveHooks = append(serveHooks, h) }

// serveContext is what hooks may change. Hooks run in registration order
// after the engine is open and before the HTTP server is built.
type serveContext struct {
	Engine *engine.Engine
	// Store is the engine's store, for hooks that read it directly
	// (federation's change feed) or tune it (fault switches).
	Store  memory.Store
	Logger *slog.Logger
	// HTTP are the server options; a hook may set FederationEnabled, wrap
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

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, invalidf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

func runServe(cmd *cobra.Command, _ []string) error {
	f := &serveFlags
	log, err := newLogger(f.logLevel)
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
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	eng, st, closeStore, err := openNode(cmd, f.nodeID, log)
	if err != nil {
		return err
	}
	defer closeStore()
	sc := &serveContext{Engine: eng, Store: st, Logger: log, TLS: tlsCfg, HTTP: &httpapi.Options{
		Engine: eng, APIKey: cfg.apiKey, Version: version, Logger: log,
	}}
	defer func() {
		for i := len(sc.stops) - 1; i >= 0; i-- {
			sc.stops[i]()
		}
	}()
	for _, h := range serveHooks {
		if err := h(ctx, sc); err != nil {
			return err
		}
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
	log.Info("serving", "url", url, "node_id", eng.NodeID(), "db", globals.DB, "auth", cfg.apiKey != "")
	// One line on stdout tells scripts and tests where the API is.
	if globals.JSON {
		json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{"listening": url, "node_id": eng.NodeID()})
	} else {
		fmt.Fprintf(cmd.OutOrStdout(), "ai-memory listening on %s (node %s)\n", url, eng.NodeID())
	}
	err = srv.Serve(ctx, ln, tlsCfg, time.Duration(f.graceSecs)*time.Second)
	log.Info("stopped", "err", err)
	return err
}

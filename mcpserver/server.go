// Package mcpserver exposes the engine as a Model Context Protocol server:
// the memory_* tools, memories as resources and a recall prompt, over stdio
// (LineTransport) or Streamable HTTP (Handler).
package mcpserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// ProtocolVersions are the MCP revisions this server negotiates, newest
// first. A client asking for one of them gets it echoed; any other request
// is answered with the newest.
var ProtocolVersions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// PageSize bounds every list answer (tools, resources, prompts); with 36
// tools, tools/list takes two pages.
const PageSize = 20

// Options configure a server.
type Options struct {
	// Version is reported in serverInfo.
	Version string
	// AgentID is the identity stamped on writes when neither the tool
	// argument nor the HTTP X-Agent-Id header names one.
	AgentID string
	// LLM backs the assist tools when set; nil means deterministic methods.
	LLM engine.LLM
	// Logger receives SDK and delivery diagnostics; nil discards them.
	Logger *slog.Logger
	// OnDelivery, when set, receives the outcome of webhook deliveries
	// fired by a store (they run in the background).
	OnDelivery func([]engine.Delivery)
}

// server holds what the tool handlers share.
type server struct {
	e      *engine.Engine
	assist *engine.Assistant
	opts   Options
	// deliveries tracks background webhook posts so Wait can drain them.
	deliveries sync.WaitGroup
}

// New builds an MCP server over e with every tool, the memory resources and
// the prompts registered. Only the capabilities implemented are declared:
// tools, resources and prompts (no logging, no subscriptions, no
// list-changed notifications since the lists never change).
func New(e *engine.Engine, opts Options) *mcp.Server {
	s, _ := newServer(e, opts)
	return s
}

// NewWithWait is New plus a function that waits for webhook deliveries
// still running in the background (call it before exiting).
func NewWithWait(e *engine.Engine, opts Options) (*mcp.Server, func()) {
	s, srv := newServer(e, opts)
	return s, srv.deliveries.Wait
}

func newServer(e *engine.Engine, opts Options) (*mcp.Server, *server) {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &server{e: e, assist: engine.NewAssistant(e, opts.LLM), opts: opts}
	ms := mcp.NewServer(&mcp.Implementation{Name: "ai-memory", Title: "ai-memory", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: "Persistent memory for AI agents. Start with memory_session_start, recall with memory_recall " +
			"before answering, and store durable facts with memory_store.",
		Logger:                    logger,
		PageSize:                  PageSize,
		SupportedProtocolVersions: ProtocolVersions,
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{},
			Resources: &mcp.ResourceCapabilities{},
			Prompts:   &mcp.PromptCapabilities{},
		},
	})
	srv.addMemoryTools(ms)
	srv.addLifecycleTools(ms)
	srv.addAssistTools(ms)
	srv.addGovernanceTools(ms)
	srv.addAgentTools(ms)
	srv.addResources(ms)
	srv.addPrompts(ms)
	return ms, srv
}

// agentID picks the identity for a call: the explicit argument, else the
// X-Agent-Id header of an HTTP request, else the server's default.
func (s *server) agentID(req *mcp.CallToolRequest, arg string) string {
	if arg != "" {
		return arg
	}
	if req != nil && req.Extra != nil && req.Extra.Header != nil {
		if h := req.Extra.Header.Get("X-Agent-Id"); h != "" {
			return h
		}
	}
	return s.opts.AgentID
}

// tool registers a typed tool. Business errors become tool results with
// isError set and a message the agent can act on; the structured output
// is validated against the output schema by the SDK.
func tool[In, Out any](ms *mcp.Server, name, title, desc string, readOnly bool, props map[string][]prop,
	h func(ctx context.Context, req *mcp.CallToolRequest, in In) (Out, error)) {
	t := &mcp.Tool{
		Name: name, Title: title, Description: desc,
		InputSchema:  schemaFor[In](props),
		OutputSchema: schemaFor[Out](nil),
		Annotations:  &mcp.ToolAnnotations{Title: title, ReadOnlyHint: readOnly},
	}
	mcp.AddTool(ms, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		out, err := h(ctx, req, in)
		if err != nil {
			var zero Out
			return nil, zero, actionable(err)
		}
		return nil, out, nil
	})
}

// actionable rewrites an engine error into a message that says what to do.
func actionable(err error) error {
	var me *memory.Error
	if !errors.As(err, &me) {
		return errors.New("internal error: " + err.Error())
	}
	msg := me.Code + ": " + me.Message
	switch me.Code {
	case memory.CodeNotFound:
		msg += " (check the id with memory_list or memory_search)"
	case memory.CodeQuorumNotMet:
		msg += " (the write is kept on this node and will reach the others by sync; do not retry blindly)"
	case memory.CodeTooLarge:
		msg += " (shorten the input or split it)"
	}
	return errors.New(msg)
}

// notifyAsync fires the store webhooks for m in the background: a slow
// subscriber must not slow the agent's write.
func (s *server) notifyAsync(m memory.Memory) {
	s.deliveries.Add(1)
	go func() {
		defer s.deliveries.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ds, err := s.e.NotifySubscribers(ctx, engine.EventStore, m)
		if err != nil && s.opts.Logger != nil {
			s.opts.Logger.Warn("webhook delivery", "err", err)
		}
		if len(ds) > 0 && s.opts.OnDelivery != nil {
			s.opts.OnDelivery(ds)
		}
	}()
}

// Handler serves MCP over Streamable HTTP (mount it at /mcp behind the API
// key middleware). A request carrying an Origin that is not a loopback
// origin is refused with 403 (browsers: cross-site and DNS rebinding); the
// SDK additionally refuses a non-loopback Host on a loopback listener.
func Handler(e *engine.Engine, opts Options) http.Handler {
	ms := New(e, opts)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms }, &mcp.StreamableHTTPOptions{
		SessionTimeout:      30 * time.Minute,
		MaxRequestBodyBytes: memory.MaxBodyBytes,
	})
	return checkOrigin(h)
}

// Package mcpserver exposes the engine as a Model Context Protocol server:
// the memory_* tools, memories as resources and a recall prompt, over stdio
// (LineTransport) or Streamable HTTP (Handler).
package mcpserver

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// ProtocolVersions are the MCP revisions this server negotiates, newest
// first. A client asking for one of them gets it echoed; any other request
// is answered with the newest.
var ProtocolVersions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// PageSize bounds every list answer (tools, resources, prompts). It is
// above the number of tools, so tools/list answers in one page: a client
// that does not follow nextCursor still sees every tool.
const PageSize = 100

// Options configure a server.
type Options struct {
	// Version is reported in serverInfo.
	Version string
	// AgentID is the identity stamped on writes when neither the tool
	// argument nor the HTTP X-Agent-Id header names one.
	AgentID string
	// LLM backs the assist tools when set; nil means deterministic methods.
	LLM engine.LLM
	// Logger receives SDK diagnostics and the tools' internal errors;
	// nil discards them.
	Logger *slog.Logger
	// Tools selects the tools offered; the zero value offers all of them.
	Tools ToolSet
}

// server holds what the tool handlers share.
type server struct {
	e      *engine.Engine
	assist *engine.Assistant
	opts   Options
	log    *slog.Logger
}

// New builds an MCP server over e with the tools opts selects, the memory
// resources and the prompts registered. Only the capabilities implemented
// are declared: tools, resources and prompts (no logging, no
// subscriptions, no list-changed notifications since the lists never
// change).
func New(e *engine.Engine, opts Options) *mcp.Server {
	if opts.Version == "" {
		opts.Version = "dev"
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &server{e: e, assist: engine.NewAssistant(e, opts.LLM), opts: opts, log: logger}
	instructions := "Persistent memory for AI agents. Recall with memory_recall before answering " +
		"and store durable facts with memory_store."
	if opts.Tools.has("memory_session_start") {
		instructions = "Persistent memory for AI agents. Start with memory_session_start, recall with memory_recall " +
			"before answering, and store durable facts with memory_store."
	}
	ms := mcp.NewServer(&mcp.Implementation{Name: "ai-memory", Title: "ai-memory", Version: opts.Version}, &mcp.ServerOptions{
		Instructions:              instructions,
		Logger:                    logger,
		PageSize:                  PageSize,
		SupportedProtocolVersions: ProtocolVersions,
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{},
			Resources: &mcp.ResourceCapabilities{},
			Prompts:   &mcp.PromptCapabilities{},
		},
	})
	for _, td := range srv.tools() {
		if opts.Tools.has(td.tool.Name) {
			ms.AddTool(td.tool, td.handler)
		}
	}
	srv.addResources(ms)
	srv.addPrompts(ms)
	return ms
}

// tools are every tool of the server, in registration order.
func (s *server) tools() []toolDef {
	tb := toolbox{log: s.log}
	if tb.log == nil {
		tb.log = slog.New(slog.DiscardHandler)
	}
	s.addMemoryTools(&tb)
	s.addLifecycleTools(&tb)
	s.addAssistTools(&tb)
	s.addGovernanceTools(&tb)
	s.addAgentTools(&tb)
	return tb.defs
}

// agentID picks the identity for a call: the explicit argument, else the
// X-Agent-Id header of an HTTP request, else the server's default, else
// "ai:<client name>" from the client's initialize (as the original names
// its callers).
func (s *server) agentID(req *mcp.CallToolRequest, arg string) string {
	if arg != "" {
		return arg
	}
	if req != nil && req.Extra != nil && req.Extra.Header != nil {
		if h := req.Extra.Header.Get("X-Agent-Id"); h != "" {
			return h
		}
	}
	if s.opts.AgentID != "" || req == nil {
		return s.opts.AgentID
	}
	return clientAgentID(req.ClientInfo())
}

// clientAgentID is "ai:" and the client's name, every character outside
// the original's agent id alphabet (letters, digits, _ - : @ . /) replaced
// by "-"; "" when the client gave no name.
func clientAgentID(ci *mcp.Implementation) string {
	if ci == nil || strings.TrimSpace(ci.Name) == "" {
		return ""
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-:@./", r)) {
			return r
		}
		return '-'
	}, strings.TrimSpace(ci.Name))
	id := "ai:" + name
	if len(id) > memory.MaxAgentIDLen {
		id = id[:memory.MaxAgentIDLen]
	}
	return id
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

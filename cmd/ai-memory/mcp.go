package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/mcpserver"
)

func newMCPCmd(a *app) *cobra.Command {
	var tools string
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve the Model Context Protocol over stdio (newline-delimited JSON-RPC)",
		Long: `Serve the Model Context Protocol over stdin/stdout for MCP clients that
launch their servers (Claude Desktop, Claude Code, Cursor, …). Writes are
stamped with --agent-id (env AI_MEMORY_AGENT_ID) unless a tool argument
names another agent, else as "ai:<client name>". Logs go to stderr. The
assist tools use an LLM when AI_MEMORY_LLM_URL, AI_MEMORY_LLM_MODEL and
AI_MEMORY_LLM_KIND (openai or ollama) are set, or the config file names an
Ollama llm_model, else deterministic methods. --tools core lists only the
everyday tools (store, recall, search, get, list, update, delete, link),
for clients that pay for every listed tool in their context window.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runMCP(cmd.Context(), tools) },
	}
	cmd.Flags().StringVar(&tools, "tools", "all", toolsUsage)
	return cmd
}

// toolsUsage explains --tools and --mcp-tools.
const toolsUsage = "tools to offer: all, core (store, recall, search, get, list, update, delete, link) " +
	"or a comma-separated list of profiles and tool names, memory_ prefix optional (core,inbox,notify)"

// mcpOptions builds the server options; flag names the option that gave
// tools, for the error message.
// The tools come from the flag, else AI_MEMORY_PROFILE or the config
// file's [mcp] profile (a.cfg.tools).
func (a *app) mcpOptions(flag, tools string) (mcpserver.Options, error) {
	if a.cfg.tools != "" {
		tools, flag = a.cfg.tools, "AI_MEMORY_PROFILE or [mcp] profile"
	}
	set, err := mcpserver.ParseTools(tools)
	if err != nil {
		return mcpserver.Options{}, invalidf("%s: %v", flag, err)
	}
	return mcpserver.Options{Version: version, AgentID: a.global.AgentID, LLM: a.cfg.llm, Tools: set}, nil
}

func (a *app) runMCP(ctx context.Context, tools string) error {
	opts, err := a.mcpOptions("--tools", tools)
	if err != nil {
		return err
	}
	eng, closeStore, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	if opts.Logger, err = a.newLogger("warn"); err != nil {
		return err
	}
	srv := mcpserver.New(eng, opts)
	// Run returns nil when the client closes stdin, the normal end.
	err = srv.Run(ctx, &mcpserver.LineTransport{In: a.stdin, Out: a.stdout})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// mountMCP serves MCP over Streamable HTTP at /mcp on `serve`, behind the
// API key like every other route.
func (a *app) mountMCP(sc *serveContext, tools string) error {
	opts, err := a.mcpOptions("--mcp-tools", tools)
	if err != nil {
		return err
	}
	opts.Logger = sc.Logger
	h := mcpserver.Handler(sc.Engine, opts)
	sc.Mount(func(s *httpapi.Server) { s.Handle("/mcp", h) })
	return nil
}

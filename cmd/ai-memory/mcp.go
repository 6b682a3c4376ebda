package main

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/mcpserver"
)

var mcpCmd = &cobra.Command{
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
	RunE: runMCP,
}

// toolsUsage explains --tools and --mcp-tools.
const toolsUsage = "tools to offer: all, core (store, recall, search, get, list, update, delete, link) " +
	"or a comma-separated list of profiles and tool names, memory_ prefix optional (core,inbox,notify)"

var mcpFlags struct{ tools, serveTools string }

func init() {
	mcpCmd.Flags().StringVar(&mcpFlags.tools, "tools", "all", toolsUsage)
	serveCmd.Flags().StringVar(&mcpFlags.serveTools, "mcp-tools", "all", "/mcp "+toolsUsage)
	rootCmd.AddCommand(mcpCmd)
	registerServeHook(mountMCP)
}

// mcpOptions builds the server options; flag names the option that gave
// tools, for the error message.
// The tools come from the flag, else AI_MEMORY_PROFILE or the config
// file's [mcp] profile (cfg.tools).
func mcpOptions(flag, tools string) (mcpserver.Options, error) {
	if cfg.tools != "" {
		tools, flag = cfg.tools, "AI_MEMORY_PROFILE or [mcp] profile"
	}
	set, err := mcpserver.ParseTools(tools)
	if err != nil {
		return mcpserver.Options{}, invalidf("%s: %v", flag, err)
	}
	return mcpserver.Options{Version: version, AgentID: globals.AgentID, LLM: cfg.llm, Tools: set}, nil
}

func runMCP(cmd *cobra.Command, _ []string) error {
	opts, err := mcpOptions("--tools", mcpFlags.tools)
	if err != nil {
		return err
	}
	eng, closeStore, err := openEngine(cmd)
	if err != nil {
		return err
	}
	defer closeStore()
	if opts.Logger, err = newLogger("warn"); err != nil {
		return err
	}
	srv := mcpserver.New(eng, opts)
	// Run returns nil when the client closes stdin, the normal end.
	err = srv.Run(cmd.Context(), &mcpserver.LineTransport{In: os.Stdin, Out: os.Stdout})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// mountMCP serves MCP over Streamable HTTP at /mcp on `serve`, behind the
// API key like every other route.
func mountMCP(_ context.Context, sc *serveContext) error {
	opts, err := mcpOptions("--mcp-tools", mcpFlags.serveTools)
	if err != nil {
		return err
	}
	opts.Logger = sc.Logger
	h := mcpserver.Handler(sc.Engine, opts)
	sc.Mount(func(s *httpapi.Server) { s.Handle("/mcp", h) })
	return nil
}

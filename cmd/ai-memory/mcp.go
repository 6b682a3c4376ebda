package main

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/mcpserver"
)

var mcpCmd = &cobra.Command{
	Use:   "mcp",
	Short: "Serve the Model Context Protocol over stdio (newline-delimited JSON-RPC)",
	Long: `Serve the Model Context Protocol over stdin/stdout for MCP clients that
launch their servers (Claude Desktop, Claude Code, Cursor, …). Writes are
stamped with --agent-id (env AI_MEMORY_AGENT_ID) unless a tool argument
names another agent. Logs go to stderr. The assist tools use an LLM when
AI_MEMORY_LLM_URL, AI_MEMORY_LLM_MODEL and AI_MEMORY_LLM_KIND (openai or
ollama) are set, else deterministic methods.`,
	Args: cobra.NoArgs,
	RunE: runMCP,
}

func init() {
	rootCmd.AddCommand(mcpCmd)
	registerServeHook(mountMCP)
}

func mcpOptions() (mcpserver.Options, error) {
	llm, err := engine.LLMFromEnv()
	if err != nil {
		return mcpserver.Options{}, err
	}
	return mcpserver.Options{Version: version, AgentID: globals.AgentID, LLM: llm}, nil
}

func runMCP(cmd *cobra.Command, _ []string) error {
	eng, closeStore, err := openEngine(cmd)
	if err != nil {
		return err
	}
	defer closeStore()
	opts, err := mcpOptions()
	if err != nil {
		return err
	}
	if opts.Logger, err = newLogger("warn"); err != nil {
		return err
	}
	srv, wait := mcpserver.NewWithWait(eng, opts)
	defer wait()
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
	opts, err := mcpOptions()
	if err != nil {
		return err
	}
	opts.Logger = sc.Logger
	h := mcpserver.Handler(sc.Engine, opts)
	sc.Mount(func(s *httpapi.Server) { s.Handle("/mcp", h) })
	return nil
}

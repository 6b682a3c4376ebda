// Command ai-memory is a persistent memory server for AI agents: a CLI, an
// HTTP API and an MCP server over one engine and one store.
//
// Layout: root.go holds the global flags and the helpers every subcommand
// shares (openEngine, printResult, error output). Each subcommand lives in
// its own file and registers itself with
//
//	func init() { rootCmd.AddCommand(fooCmd) }
//
// Global flags (each setting is taken from its flag, else its environment
// variable, else the config file, else its default; see configfile.go and
// `ai-memory config`):
//
//	--db        store location: a file path, sqlite:///path or postgres://…
//	            (env AI_MEMORY_DB, config db; default
//	            $XDG_DATA_HOME/ai-memory/ai-memory.db, else
//	            ~/.local/share/ai-memory/ai-memory.db)
//	--json      machine-readable output on stdout, errors as JSON on stderr
//	--agent-id  agent identity stamped on writes (env AI_MEMORY_AGENT_ID,
//	            config agent_id)
//	--config    the config file (env AI_MEMORY_CONFIG; default
//	            ~/.config/ai-memory/config.toml)
//
// Exit codes: 0 success, 2 invalid input (bad flags, arguments or values),
// 1 any other failure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "0.1.0-dev"

var rootCmd = &cobra.Command{
	Use:           "ai-memory",
	Short:         "Persistent memory for AI agents (CLI, HTTP API, MCP)",
	Version:       version,
	SilenceUsage:  true,
	SilenceErrors: true,
	PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
		return loadConfig(cmd)
	},
}

// globals are the persistent flags shared by every subcommand, resolved
// with the environment and the config file by loadConfig.
var globals struct {
	DB      string
	JSON    bool
	AgentID string
	Config  string
}

func init() {
	rootCmd.SetVersionTemplate("ai-memory {{.Version}}\n")
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return memory.Errorf(memory.CodeInvalid, "%v", err)
	})
	pf := rootCmd.PersistentFlags()
	pf.StringVar(&globals.DB, "db", "",
		"store: file path, sqlite:///path or postgres://… (env AI_MEMORY_DB, config db; default "+defaultDBPath()+")")
	pf.BoolVar(&globals.JSON, "json", false, "print JSON on stdout and JSON errors on stderr")
	pf.StringVar(&globals.AgentID, "agent-id", "",
		"agent identity recorded on writes (env AI_MEMORY_AGENT_ID, config agent_id)")
	pf.StringVar(&globals.Config, "config", "",
		"config file (env AI_MEMORY_CONFIG; default "+defaultConfigPath()+"; AI_MEMORY_NO_CONFIG skips it)")
}

// defaultDBPath follows the XDG base directory convention.
func defaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "ai-memory.db"
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "ai-memory", "ai-memory.db")
}

// nodeIDKey is the LocalGet/LocalSet key holding this store's node id.
const nodeIDKey = "node_id"

// openEngine opens the --db store and an engine on it (see openNode).
// The returned func drains webhook deliveries and closes the store.
func openEngine(cmd *cobra.Command) (*engine.Engine, func(), error) {
	eng, _, done, err := openNode(cmd, "", warnLogger())
	return eng, done, err
}

// resolveNodeID returns want (persisting it) or the stored node id,
// generating one the first time a store is opened.
func resolveNodeID(ctx context.Context, st memory.Store, want string) (string, error) {
	if want != "" {
		if err := memory.ValidateToken("node id", want, 64); err != nil {
			return "", err
		}
		return want, st.LocalSet(ctx, nodeIDKey, want)
	}
	id, ok, err := st.LocalGet(ctx, nodeIDKey)
	if err != nil || ok {
		return id, err
	}
	id = "node-" + strings.ToLower(memory.NewID(time.Now()))
	return id, st.LocalSet(ctx, nodeIDKey, id)
}

// printResult writes v as JSON when --json is set, else calls human.
func printResult(cmd *cobra.Command, v any, human func(io.Writer)) error {
	out := cmd.OutOrStdout()
	if globals.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(out)
	return nil
}

// invalidf is a shorthand for an invalid-input error (exit code 2).
func invalidf(format string, args ...any) error {
	return memory.Errorf(memory.CodeInvalid, format, args...)
}

// usageError turns cobra's plain errors for unknown commands and wrong
// argument counts into invalid-input errors.
func usageError(err error) error {
	var me *memory.Error
	if errors.As(err, &me) {
		return err
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "arg(s)") || strings.HasPrefix(msg, "required flag") {
		return memory.Errorf(memory.CodeInvalid, "%s", msg)
	}
	return err
}

// exitCode maps an error to the process exit status.
func exitCode(err error) int {
	switch memory.ErrorCode(err) {
	case memory.CodeInvalid, memory.CodeTooLarge:
		return 2
	}
	return 1
}

// printError writes err to stderr, as {"error":{"code","message",...}} with --json.
func printError(w io.Writer, err error) {
	if !globals.JSON {
		var me *memory.Error
		if errors.As(err, &me) {
			fmt.Fprintf(w, "ai-memory: %s (%s)\n", me.Message, me.Code)
			return
		}
		fmt.Fprintln(w, "ai-memory:", err)
		return
	}
	body := map[string]any{"code": memory.ErrorCode(err), "message": err.Error()}
	var me *memory.Error
	if errors.As(err, &me) {
		body["message"] = me.Message
		for k, v := range me.Details {
			if k != "code" && k != "message" {
				body[k] = v
			}
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func main() {
	if err := rootCmd.ExecuteContext(context.Background()); err != nil {
		err = usageError(err)
		// A flag error stops parsing before --json is read; honour it anyway.
		globals.JSON = globals.JSON || slices.Contains(os.Args[1:], "--json") || slices.Contains(os.Args[1:], "--json=true")
		printError(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// Command ai-memory is a persistent memory server for AI agents: a CLI, an
// HTTP API and an MCP server over one engine and one store.
//
// Layout: root.go holds Run, the in-process entry point main calls, and the
// app every command runs in: its standard streams, its environment, the
// global flags and the helpers every subcommand shares (withEngine,
// print, error output). Each subcommand lives in its own file as a
// constructor, newFooCmd(a *app), whose flags bind to a struct of its own;
// newRootCmd adds them all. Nothing is kept in package variables, so a
// test runs the CLI in process with Run.
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
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "0.1.0-dev"

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	var got atomic.Value
	go func() {
		got.Store(<-sigs)
		cancel()
	}()
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	// A command the signal cut short dies by it, as shells and supervisors
	// expect (status 130, 143); serve and mcp stop gracefully on it and
	// exit with their own status.
	if s, ok := got.Load().(syscall.Signal); ok && code != 0 {
		signal.Reset(s)
		syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Second) // the signal ends the process meanwhile
	}
	os.Exit(code)
}

// Run runs the command line args (without the program name) and returns
// the exit status: 0 success, 2 invalid input, 1 anything else. Errors
// are printed on stderr, as {"error":{"code","message"}} with --json.
// Every environment lookup goes through env. Cancelling ctx ends the
// command: serve, mcp and curator --daemon stop gracefully, a command
// waiting for standard input stops waiting. main cancels it on SIGINT and
// SIGTERM.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	root := newRootCmd(a)
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		err = usageError(err)
		// A flag error stops parsing before --json is read; honour it anyway.
		a.global.JSON = a.global.JSON || slices.Contains(args, "--json") || slices.Contains(args, "--json=true")
		a.printError(err)
		return exitCode(err)
	}
	return 0
}

// app is one run of the CLI: what it reads and writes, its environment,
// and the global flags and configuration, resolved before any command
// runs (see loadConfig).
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string
	global         globalFlags
	cfg            effectiveConfig
}

// globalFlags are the persistent flags shared by every subcommand,
// resolved with the environment and the config file by loadConfig.
type globalFlags struct {
	DB      string
	JSON    bool
	AgentID string
	Config  string
}

// newRootCmd builds the command tree of one run.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "ai-memory",
		Short:         "Persistent memory for AI agents (CLI, HTTP API, MCP)",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.loadConfig(cmd)
		},
	}
	root.SetVersionTemplate("ai-memory {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return memory.Errorf(memory.CodeInvalid, "%v", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.global.DB, "db", "",
		"store: file path, sqlite:///path or postgres://… (env AI_MEMORY_DB, config db; default "+a.defaultDBPath()+")")
	pf.BoolVar(&a.global.JSON, "json", false, "print JSON on stdout and JSON errors on stderr")
	pf.StringVar(&a.global.AgentID, "agent-id", "",
		"agent identity recorded on writes (env AI_MEMORY_AGENT_ID, config agent_id)")
	pf.StringVar(&a.global.Config, "config", "",
		"config file (env AI_MEMORY_CONFIG; default "+a.defaultConfigPath()+"; AI_MEMORY_NO_CONFIG skips it)")
	root.AddCommand(
		newArchiveCmd(a),
		newBackupCmd(a),
		newBenchCmd(a),
		newConfigCmd(a),
		newConsolidateCmd(a),
		newCuratorCmd(a),
		newDeleteCmd(a),
		newExportCmd(a),
		newForgetCmd(a),
		newGCCmd(a),
		newGetCmd(a),
		newImportCmd(a),
		newLinkCmd(a),
		newListCmd(a),
		newMCPCmd(a),
		newMigrateCmd(a),
		newNamespacesCmd(a),
		newPendingCmd(a),
		newPromoteCmd(a),
		newRecallCmd(a),
		newRestoreCmd(a),
		newSearchCmd(a),
		newServeCmd(a),
		newStatsCmd(a),
		newStoreCmd(a),
		newUpdateCmd(a),
		newVersionCmd(a),
	)
	return root
}

// homeDir is os.UserHomeDir read through the app's environment.
func (a *app) homeDir() (string, error) {
	key := "HOME"
	switch runtime.GOOS {
	case "windows":
		key = "USERPROFILE"
	case "plan9":
		key = "home"
	}
	if v := a.env(key); v != "" {
		return v, nil
	}
	return "", errors.New("$" + key + " is not defined")
}

// defaultDBPath follows the XDG base directory convention.
func (a *app) defaultDBPath() string {
	dir := a.env("XDG_DATA_HOME")
	if dir == "" {
		home, err := a.homeDir()
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
func (a *app) openEngine(ctx context.Context) (*engine.Engine, func(), error) {
	eng, _, done, err := a.openNode(ctx, "", a.warnLogger())
	return eng, done, err
}

// withEngine is the shape of most commands: open the engine, call run,
// close the engine, and print what run returned (see print). An error
// from run is returned and nothing is printed.
func (a *app) withEngine(cmd *cobra.Command, run func(ctx context.Context, eng *engine.Engine) (v any, text func(io.Writer), err error)) error {
	eng, done, err := a.openEngine(cmd.Context())
	if err != nil {
		return err
	}
	defer done()
	v, text, err := run(cmd.Context(), eng)
	if err != nil {
		return err
	}
	return a.print(v, text)
}

// withMemory is withEngine for a command naming one memory by its id or a
// unique id prefix: run gets the resolved id.
func (a *app) withMemory(cmd *cobra.Command, ref string, run func(ctx context.Context, eng *engine.Engine, id string) (v any, text func(io.Writer), err error)) error {
	return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
		id, err := eng.ResolveID(ctx, ref)
		if err != nil {
			return nil, nil, err
		}
		return run(ctx, eng, id)
	})
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

// print writes v as JSON when --json is set or text is nil, else calls
// text.
func (a *app) print(v any, text func(io.Writer)) error {
	if a.global.JSON || text == nil {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(a.stdout)
	return nil
}

// input is standard input, whose reads end with ctx's error once ctx is
// done: an interrupted command does not wait for input that may never
// come. A read under way is then abandoned.
func (a *app) input(ctx context.Context) io.Reader {
	return &ctxReader{ctx: ctx, r: a.stdin}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
	// buf takes each read, so an abandoned one never writes into a
	// caller's slice; no read starts once ctx is done.
	buf []byte
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.buf == nil {
		c.buf = make([]byte, 32<<10)
	}
	buf := c.buf[:min(len(p), len(c.buf))]
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := c.r.Read(buf)
		done <- result{n, err}
	}()
	select {
	case res := <-done:
		return copy(p, buf[:res.n]), res.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
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
func (a *app) printError(err error) {
	w := a.stderr
	if !a.global.JSON {
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

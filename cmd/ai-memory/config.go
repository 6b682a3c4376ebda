package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newConfigCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration and where each value came from",
		Long: `Print every setting with its value and its source: a flag, an environment
variable, the config file, or the default. Secrets are shown as set or not,
never their value.

The config file is ~/.config/ai-memory/config.toml ($XDG_CONFIG_HOME if set),
or --config / AI_MEMORY_CONFIG; AI_MEMORY_NO_CONFIG skips the default one. It
takes the original ai-memory's keys where they mean the same thing here:

  db = "/path/to/store.db"          # --db, AI_MEMORY_DB
  agent_id = "claude-code"          # --agent-id, AI_MEMORY_AGENT_ID
  api_key = "s3cret"                # serve --api-key, AI_MEMORY_API_KEY
  llm_model = "gemma4:e2b"          # an Ollama model for the assist tools
  ollama_url = "http://localhost:11434"
  [ttl]
  short_ttl_secs = 21600            # <= 0: never expires
  mid_ttl_secs = 604800
  long_ttl_secs = 0
  [mcp]
  profile = "core"                  # mcp --tools, AI_MEMORY_PROFILE

The original's other keys are listed as ignored, each with the reason; an
unknown key is reported on stderr. A syntax error is an error, not an empty
configuration.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg := a.cfg
			return a.print(cfg, func(w io.Writer) {
				file := cfg.File
				switch {
				case file == "":
					file = "(none)"
				case !cfg.FileUsed:
					file += " (not found)"
				}
				fmt.Fprintf(w, "config file  %s\n", file)
				for _, s := range cfg.Settings {
					fmt.Fprintf(w, "%-12s %-46s %s\n", s.Key, s.Value, s.Source)
				}
				for _, k := range cfg.Ignored {
					fmt.Fprintf(w, "ignored      %s: %s\n", k.Key, k.Reason)
				}
			})
		},
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/llm"
)

// fileConfig is config.toml: the original ai-memory's keys where they mean
// the same thing here (db, api_key, ollama_url, llm_model, [ttl],
// [mcp].profile), and agent_id. Every key is optional.
type fileConfig struct {
	DB        *string `toml:"db"`
	AgentID   *string `toml:"agent_id"`
	APIKey    *string `toml:"api_key"`
	OllamaURL *string `toml:"ollama_url"`
	LLMModel  *string `toml:"llm_model"`
	TTL       struct {
		Short *int64 `toml:"short_ttl_secs"`
		Mid   *int64 `toml:"mid_ttl_secs"`
		Long  *int64 `toml:"long_ttl_secs"`
	} `toml:"ttl"`
	MCP struct {
		Profile *string `toml:"profile"`
	} `toml:"mcp"`
}

// originalOnly are the original's keys with no equivalent here, with why;
// a file may hold them (it is the original's file) and they are ignored.
// A key is matched by its first segment, or by its full dotted name.
var originalOnly = map[string]string{
	"tier":                  "the original's feature tier; recall here is keyword (FTS) only",
	"embed_url":             "no embeddings here",
	"embedding_model":       "no embeddings here",
	"cross_encoder":         "no re-ranking model here",
	"default_namespace":     "unused by the original too; the default is global",
	"max_memory_mb":         "used by the original only to size its models",
	"archive_on_gc":         "gc always archives here (restorable until purged)",
	"archive_max_days":      "no automatic purge here; run archive purge --older-than-days",
	"autonomous_hooks":      "no autonomous hooks here",
	"ttl.short_extend_secs": "access does not extend expiry here",
	"ttl.mid_extend_secs":   "access does not extend expiry here",
	"scoring":               "recall scoring is fixed here (see README)",
	"identity":              "agent ids are not anonymized here",
	"logging":               "serve logs JSON to stderr (--log-level)",
	"audit":                 "no audit log here",
	"boot":                  "no boot hook here",
	"mcp.allowlist":         "no per-agent tool allowlist here",
	"permissions":           "no permission rules here",
	"transcripts":           "no transcripts here",
	"hooks":                 "no hooks here",
	"subscriptions":         "webhook targets are not restricted here",
}

// configSetting is one effective value and where it came from.
type configSetting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// ignoredKey is a key of the file that changes nothing here.
type ignoredKey struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// effectiveConfig is the configuration every command runs with.
type effectiveConfig struct {
	File     string          `json:"config_file"`
	FileUsed bool            `json:"config_file_read"`
	Settings []configSetting `json:"settings"`
	Ignored  []ignoredKey    `json:"ignored"`

	dbFromDefault bool
	apiKey        string
	llm           engine.LLM
	ttl           engine.TierTTL
	tools         string // mcp --tools / serve --mcp-tools default; "" keeps the flag's
}

// defaultConfigPath is $XDG_CONFIG_HOME/ai-memory/config.toml, else
// ~/.config/ai-memory/config.toml (the original's place).
func (a *app) defaultConfigPath() string {
	dir := a.env("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := a.homeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "ai-memory", "config.toml")
}

// readConfigFile decodes the file --config (or AI_MEMORY_CONFIG, else the
// default path) names. A missing default file is no file; a missing named
// file, a syntax error or a value of the wrong type is an invalid-input
// error naming the file (and the line). Unknown keys are returned.
func (a *app) readConfigFile() (fileConfig, string, bool, []string, error) {
	var fc fileConfig
	path, named := a.global.Config, true
	if path == "" {
		path = a.env("AI_MEMORY_CONFIG")
	}
	if path == "" {
		if a.env("AI_MEMORY_NO_CONFIG") != "" {
			return fc, "", false, nil, nil
		}
		path, named = a.defaultConfigPath(), false
	}
	if path == "" {
		return fc, "", false, nil, nil
	}
	if _, err := os.Stat(path); err != nil {
		if !named && errors.Is(err, os.ErrNotExist) {
			return fc, path, false, nil, nil
		}
		return fc, path, false, nil, invalidf("config file: %v", err)
	}
	md, err := toml.DecodeFile(path, &fc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fc, path, false, nil, invalidf("config file %s, line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return fc, path, false, nil, invalidf("config file %s: %v", path, err)
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		unknown = append(unknown, k.String())
	}
	return fc, path, true, unknown, nil
}

// loadConfig resolves every setting — flag, then environment, then the
// file, then the default — into a.global and a.cfg. It runs before every
// command.
func (a *app) loadConfig(cmd *cobra.Command) error {
	fc, path, used, unknown, err := a.readConfigFile()
	if err != nil {
		return err
	}
	c := effectiveConfig{File: path, FileUsed: used, Settings: []configSetting{}, Ignored: []ignoredKey{}}
	fileSrc := func(key string) string { return "config file (" + key + ")" }
	// Global flags are looked up among the root's: a read command's own
	// --agent-id is a filter, not the identity.
	global, local := cmd.Root().PersistentFlags(), cmd.Flags()

	pick := func(key string, flags *pflag.FlagSet, flag, env, fileKey string, file *string, def string, show func(string) string) (string, string) {
		v, src := def, "default"
		switch {
		case flagChanged(flags, flag):
			v, src = flags.Lookup(flag).Value.String(), "flag --"+flag
		case env != "" && a.env(env) != "":
			v, src = a.env(env), "env "+env
		case file != nil:
			v, src = *file, fileSrc(fileKey)
		}
		shown := v
		if show != nil {
			shown = show(v)
		}
		c.Settings = append(c.Settings, configSetting{Key: key, Value: shown, Source: src})
		return v, src
	}

	var src string
	a.global.DB, src = pick("db", global, "db", "AI_MEMORY_DB", "db", a.expandHome(fc.DB), a.defaultDBPath(), nil)
	c.dbFromDefault = src == "default"
	a.global.AgentID, _ = pick("agent_id", global, "agent-id", "AI_MEMORY_AGENT_ID", "agent_id", fc.AgentID, "", orNone)
	c.apiKey, _ = pick("api_key", local, "api-key", "AI_MEMORY_API_KEY", "api_key", fc.APIKey, "", redacted)

	if c.llm, err = a.resolveLLM(&c, fc, fileSrc); err != nil {
		return err
	}
	c.ttl = resolveTTL(&c, fc, fileSrc)
	toolsFlag := "tools"
	if cmd.Name() == "serve" {
		toolsFlag = "mcp-tools"
	}
	var toolsSrc string
	c.tools, toolsSrc = pick("mcp.tools", local, toolsFlag, "AI_MEMORY_PROFILE", "[mcp] profile", fc.MCP.Profile, "all", nil)
	if toolsSrc == "default" || strings.HasPrefix(toolsSrc, "flag") {
		c.tools = "" // the flag's own value stands
	}

	sort.Strings(unknown)
	for _, k := range unknown {
		if n := len(c.Ignored); n > 0 && strings.HasPrefix(k, c.Ignored[n-1].Key+".") {
			continue // inside a table already listed
		}
		reason, ok := originalKeyReason(k)
		if !ok {
			reason = "unknown key"
			fmt.Fprintf(cmd.ErrOrStderr(), "ai-memory: config file %s: unknown key %q ignored\n", path, k)
		}
		c.Ignored = append(c.Ignored, ignoredKey{Key: k, Reason: reason})
	}
	a.cfg = c
	return nil
}

// originalKeyReason finds why a dotted key of the original's is ignored:
// the key itself or the nearest table holding it is in originalOnly.
func originalKeyReason(key string) (string, bool) {
	parts := strings.Split(key, ".")
	for i := len(parts); i > 0; i-- {
		if r, ok := originalOnly[strings.Join(parts[:i], ".")]; ok {
			return r, true
		}
	}
	return "", false
}

// flagChanged reports whether the command has flag and it was given.
func flagChanged(fs *pflag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Changed
}

// resolveLLM: the AI_MEMORY_LLM_* environment, else the file's llm_model
// served by Ollama at ollama_url (default http://localhost:11434), else none.
func (a *app) resolveLLM(c *effectiveConfig, fc fileConfig, fileSrc func(string) string) (engine.LLM, error) {
	if u := a.env(llm.EnvLLMURL); u != "" {
		client, err := llm.New(a.env(llm.EnvLLMKind), u, a.env(llm.EnvLLMModel), a.env(llm.EnvLLMAPIKey))
		if err != nil {
			return nil, err
		}
		c.Settings = append(c.Settings, configSetting{Key: "llm", Value: client.Name() + " at " + u,
			Source: "env " + llm.EnvLLMURL})
		return client, nil
	}
	if fc.LLMModel == nil {
		c.Settings = append(c.Settings, configSetting{Key: "llm", Value: "none (deterministic assist methods)", Source: "default"})
		return nil, nil
	}
	url := "http://localhost:11434"
	if fc.OllamaURL != nil {
		url = *fc.OllamaURL
	}
	client, err := llm.New("ollama", url, *fc.LLMModel, "")
	if err != nil {
		return nil, invalidf("config file: llm_model/ollama_url: %v", err)
	}
	c.Settings = append(c.Settings, configSetting{Key: "llm", Value: client.Name() + " at " + url, Source: fileSrc("llm_model, ollama_url")})
	return client, nil
}

// maxTTL caps a configured lifetime, as the original does.
const maxTTL = 10 * 365 * 24 * time.Hour

// resolveTTL reads [ttl]: seconds per tier, ≤ 0 meaning never expires.
func resolveTTL(c *effectiveConfig, fc fileConfig, fileSrc func(string) string) engine.TierTTL {
	ttl := engine.TierTTL{}
	for _, t := range []struct {
		tier memory.Tier
		secs *int64
	}{{memory.TierShort, fc.TTL.Short}, {memory.TierMid, fc.TTL.Mid}, {memory.TierLong, fc.TTL.Long}} {
		key := string(t.tier) + "_ttl_secs"
		d, src := t.tier.DefaultTTL(), "default"
		if t.secs != nil {
			d, src = min(time.Duration(max(*t.secs, 0))*time.Second, maxTTL), fileSrc("[ttl] "+key)
			ttl[t.tier] = d
		}
		shown := "never expires"
		if d > 0 {
			shown = d.String()
		}
		c.Settings = append(c.Settings, configSetting{Key: "ttl." + string(t.tier), Value: shown, Source: src})
	}
	return ttl
}

// expandHome turns a leading "~/" into the home directory.
func (a *app) expandHome(p *string) *string {
	if p == nil || !strings.HasPrefix(*p, "~/") {
		return p
	}
	home, err := a.homeDir()
	if err != nil {
		return p
	}
	v := filepath.Join(home, (*p)[2:])
	return &v
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// redacted shows whether a secret is set, never the secret.
func redacted(v string) string {
	if v == "" {
		return "(none)"
	}
	return fmt.Sprintf("(set, %d characters)", len(v))
}

// noteOriginalDefault tells, on stderr, a user of the default store that
// does not exist yet about the original's database in its default place
// (./ai-memory.db), with the command that imports it.
func (a *app) noteOriginalDefault() {
	if !a.cfg.dbFromDefault {
		return
	}
	if _, err := os.Stat(a.global.DB); !errors.Is(err, os.ErrNotExist) {
		return
	}
	const theirs = "ai-memory.db"
	if !isOriginal(theirs) {
		return
	}
	abs, _ := filepath.Abs(theirs)
	fmt.Fprintf(a.stderr, "ai-memory: note: this program keeps its store at %s, which does not exist yet; %s is the original ai-memory's "+
		"database and is not read. To bring its memories here: ai-memory import --from-original %s\n", a.global.DB, abs, shellQuote(abs))
}

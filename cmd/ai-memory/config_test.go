package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/original/originaltest"
)

func writeConfig(t *testing.T, home, text string) {
	t.Helper()
	dir := filepath.Join(home, ".config", "ai-memory")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Flag, then environment, then the config file, then the default; the
// original's keys without an equivalent are listed as ignored, an unknown
// key is reported, a secret is never printed.
func TestConfigPrecedence(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, `tier = "smart"
db = "/from/file.db"
agent_id = "from-file"
api_key = "s3cret-key"
colour = "blue"
[ttl]
short_ttl_secs = 60
[mcp]
profile = "core"
`)
	r := cli(t, map[string]string{"HOME": home, "AI_MEMORY_AGENT_ID": "from-env"}, "", "config", "--json", "--db", "/from/flag.db")
	if r.code != 0 {
		t.Fatalf("config: exit %d: %s", r.code, r.stderr)
	}
	var c effectiveConfig
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	got := map[string]configSetting{}
	for _, s := range c.Settings {
		got[s.Key] = s
	}
	for key, want := range map[string][2]string{
		"db":        {"/from/flag.db", "flag --db"},
		"agent_id":  {"from-env", "env AI_MEMORY_AGENT_ID"},
		"api_key":   {"(set, 10 characters)", "config file (api_key)"},
		"ttl.short": {"1m0s", "config file ([ttl] short_ttl_secs)"},
		"ttl.mid":   {"168h0m0s", "default"},
		"mcp.tools": {"core", "config file ([mcp] profile)"},
	} {
		if got[key].Value != want[0] || got[key].Source != want[1] {
			t.Errorf("%s = %+v; want %q from %q", key, got[key], want[0], want[1])
		}
	}
	if strings.Contains(r.stdout, "s3cret-key") {
		t.Fatal("the api key was printed")
	}
	if len(c.Ignored) != 2 || c.Ignored[0].Key != "colour" || c.Ignored[1].Key != "tier" ||
		!strings.Contains(r.stderr, `unknown key "colour"`) {
		t.Fatalf("ignored %+v, stderr %q", c.Ignored, r.stderr)
	}

	// The file's values are used when no flag or variable names one.
	env := map[string]string{"HOME": home}
	r = cli(t, env, "", "config")
	if !strings.Contains(r.stdout, "from-file") || !strings.Contains(r.stdout, "/from/file.db") {
		t.Fatalf("config without flags:\n%s", r.stdout)
	}

	// A syntax error is an error naming the file and the line.
	writeConfig(t, home, "db = \"unterminated\n")
	if r := cli(t, env, "", "config"); r.code != 2 || !strings.Contains(r.stderr, "line 1") {
		t.Fatalf("bad config: exit %d %q", r.code, r.stderr)
	}
}

// A configured TTL reaches the engine.
func TestConfigTTLApplies(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, "[ttl]\nmid_ttl_secs = 0\n")
	db := filepath.Join(home, "ours.db")
	r := cli(t, map[string]string{"HOME": home}, "", "--db", db, "--json", "store", "-T", "kept", "-c", "forever")
	if r.code != 0 || strings.Contains(r.stdout, "expires_at") {
		t.Fatalf("store with mid_ttl_secs = 0: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// The original's database in its default place (./ai-memory.db) while
// this program's default store does not exist: a note on stderr names the
// import command. A config file whose db is the original's is refused with
// the command to run.
func TestOriginalDefaultDatabaseIsPointedOut(t *testing.T) {
	home, work := t.TempDir(), t.TempDir()
	if _, err := originaltest.Build(filepath.Join(work, "ai-memory.db"), originaltest.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	env := map[string]string{"HOME": home}
	r := cli(t, env, "", "stats")
	theirs := filepath.Join(work, "ai-memory.db")
	if r.code != 0 || !strings.Contains(r.stderr, "ai-memory import --from-original "+theirs) {
		t.Fatalf("stats: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := cli(t, env, "", "stats"); strings.Contains(r.stderr, "note:") {
		t.Fatalf("the note repeats once this program's store exists: %q", r.stderr)
	}
	writeConfig(t, home, "db = \""+theirs+"\"\n")
	r = cli(t, env, "", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "import --from-original "+theirs) || !strings.Contains(r.stderr, "in the config file") {
		t.Fatalf("config db on the original: exit %d, stderr %q", r.code, r.stderr)
	}
}

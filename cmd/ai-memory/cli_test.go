package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if r := run(t, db, "", args...); r.code != 0 || r.stdout != "ai-memory "+version+"\n" {
			t.Fatalf("%v: %d %q", args, r.code, r.stdout)
		}
	}
}

// Exit codes and error output: 2 for invalid input, 1 otherwise, JSON on
// stderr with --json, nothing on stdout.
func TestErrorsAndExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "e.db")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"store", "-T", "t", "-c", "c", "-p", "11"}, 2, "invalid_argument"},
		{[]string{"store", "-T", "t", "-c", "c", "-t", "forever"}, 2, "invalid_argument"},
		{[]string{"store", "-c", "c"}, 2, "invalid_argument"},
		{[]string{"store", "-T", "t", "-c", "c", "--expires-at", "soon"}, 2, "invalid_argument"},
		{[]string{"store", "-T", "t", "-c", "c", "--bogus"}, 2, "invalid_argument"},
		{[]string{"nosuchcommand"}, 2, "invalid_argument"},
		{[]string{"get"}, 2, "invalid_argument"},
		{[]string{"get", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, 1, "not_found"},
		{[]string{"delete", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, 1, "not_found"},
		{[]string{"search", `"AND (`}, 2, "invalid_argument"},
		{[]string{"forget"}, 2, "invalid_argument"},
		{[]string{"list", "--cursor", "nope"}, 2, "invalid_argument"},
		{[]string{"--db", "mysql://x", "stats"}, 2, "invalid_argument"},
	}
	for _, c := range cases {
		r := run(t, db, "", append(c.args, "--json")...)
		var e struct {
			Error struct{ Code, Message string }
		}
		if r.code != c.code || json.Unmarshal([]byte(r.stderr), &e) != nil || e.Error.Code != c.want || e.Error.Message == "" || r.stdout != "" {
			t.Errorf("%v: exit %d stderr %q stdout %q; want exit %d code %s", c.args, r.code, r.stderr, r.stdout, c.code, c.want)
		}
		plain := run(t, db, "", c.args...)
		if plain.code != c.code || !strings.HasPrefix(plain.stderr, "ai-memory: ") {
			t.Errorf("%v plain: exit %d stderr %q", c.args, plain.code, plain.stderr)
		}
	}
}

func TestCLIRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rt.db")
	a := runJSON(t, db, "store", "-T", "alpha", "-c", "alpha content about rivers", "-n", "geo", "--tags", "water,maps",
		"-p", "7", "--confidence", "0.5", "--metadata", `{"k":"v"}`, "--agent-id", "cartographer")
	if a["source"] != "cli" || a["priority"] != 7.0 || a["confidence"] != 0.5 || a["agent_id"] != "cartographer" || a["tier"] != "mid" {
		t.Fatalf("store: %v", a)
	}
	r := run(t, db, "a long body\nfrom stdin\n", "store", "-T", "beta", "-c", "-", "-n", "geo", "-t", "long", "--json")
	var b map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &b) != nil || b["content"] != "a long body\nfrom stdin\n" || b["expires_at"] != nil {
		t.Fatalf("stdin store: %d %s %s", r.code, r.stdout, r.stderr)
	}
	idA, idB := a["id"].(string), b["id"].(string)

	rc := runJSON(t, db, "recall", "rivers", "-n", "geo", "--limit", "5")
	if rc["count"] != 1.0 || rc["memories"].([]any)[0].(map[string]any)["score"] == nil {
		t.Fatalf("recall: %v", rc)
	}
	if s := runJSON(t, db, "search", "stdin", "-t", "long"); s["count"] != 1.0 {
		t.Fatalf("search: %v", s)
	}
	u := runJSON(t, db, "update", idA, "-p", "9")
	if u["priority"] != 9.0 || u["content"] != "alpha content about rivers" {
		t.Fatalf("update: %v", u)
	}
	if l := runJSON(t, db, "link", idA, idB, "-r", "supersedes"); l["relation"] != "supersedes" {
		t.Fatalf("link: %v", l)
	}
	if g := runJSON(t, db, "get", idB); len(g["links"].([]any)) != 1 {
		t.Fatalf("get links: %v", g)
	}
	st := runJSON(t, db, "stats")
	for _, k := range []string{"total", "by_tier", "by_namespace", "expiring_soon", "links_count", "db_size_bytes"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("stats lacks %s: %v", k, st)
		}
	}
	if st["total"] != 2.0 || st["links_count"] != 1.0 {
		t.Fatalf("stats: %v", st)
	}
	if ns := runJSON(t, db, "namespaces"); ns["count"] != 1.0 {
		t.Fatalf("namespaces: %v", ns)
	}

	// Export, import into a fresh file: same memories and links.
	out := filepath.Join(dir, "export.json")
	runJSON(t, db, "export", "--out", out)
	db2 := filepath.Join(dir, "copy.db")
	if imp := runJSON(t, db2, "import", out); imp["imported"] != 2.0 || imp["links"] != 1.0 {
		t.Fatalf("import: %v", imp)
	}
	if again := runJSON(t, db2, "import", out); again["imported"] != 0.0 {
		t.Fatalf("re-import: %v", again)
	}
	if g := runJSON(t, db2, "get", idA); g["memory"].(map[string]any)["priority"] != 9.0 || len(g["links"].([]any)) != 1 {
		t.Fatalf("imported copy: %v", g)
	}

	if f := runJSON(t, db, "forget", "-n", "geo", "--dry-run"); f["matched"] != 2.0 || f["dry_run"] != true {
		t.Fatalf("forget dry run: %v", f)
	}
	runJSON(t, db, "promote", idA)
	runJSON(t, db, "delete", idB)
	if gc := runJSON(t, db, "gc"); gc["matched"] != 0.0 {
		t.Fatalf("gc: %v", gc)
	}
	if l := runJSON(t, db, "list", "--all"); l["count"] != 1.0 {
		t.Fatalf("list after delete: %v", l)
	}
}

// import reads stdin and chunks exports larger than one engine batch.
func TestImportChunksLargeExport(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	var items []string
	for i := range 2500 {
		items = append(items, fmt.Sprintf(`{"title":"m%d","content":"c"}`, i))
	}
	// Seed through the HTTP bulk route of a real server.
	s := startServe(t, src)
	for i := 0; i < len(items); i += 1000 {
		body := "[" + strings.Join(items[i:min(i+1000, len(items))], ",") + "]"
		resp, err := httpPost(s.url+"/api/v1/memories/bulk", body)
		if err != nil || resp != 201 {
			t.Fatalf("bulk: %d %v", resp, err)
		}
	}
	exp := run(t, src, "", "export")
	if exp.code != 0 {
		t.Fatalf("export: %s", exp.stderr)
	}
	dst := filepath.Join(dir, "dst.db")
	r := run(t, dst, exp.stdout, "import", "-", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"imported": 2500`) {
		t.Fatalf("import: %d %s %s", r.code, r.stdout, r.stderr)
	}
	all := runJSON(t, dst, "list", "--all")
	if all["count"] != 2500.0 || all["has_more"] != false {
		t.Fatalf("list --all: count %v", all["count"])
	}
	os.Remove(dst)
}

func TestArchiveConsolidatePendingCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "arch.db")
	x := runJSON(t, db, "store", "-T", "x", "-c", "first half")["id"].(string)
	y := runJSON(t, db, "store", "-T", "y", "-c", "second half")["id"].(string)
	c := runJSON(t, db, "consolidate", "--ids", x+","+y, "-T", "whole")
	merged := c["memory"].(map[string]any)
	if merged["tier"] != "long" || !strings.Contains(merged["content"].(string), "second half") {
		t.Fatalf("consolidate: %v", c)
	}
	if r := run(t, db, "", "get", x); r.code != 1 {
		t.Fatalf("source survived consolidation: %d", r.code)
	}
	runJSON(t, db, "forget", "-n", "global")
	if l := runJSON(t, db, "archive", "list"); l["count"] != 1.0 {
		t.Fatalf("archive list: %v", l)
	}
	if st := runJSON(t, db, "archive", "stats"); st["total"] != 1.0 {
		t.Fatalf("archive stats: %v", st)
	}
	id := merged["id"].(string)
	if m := runJSON(t, db, "archive", "restore", id); m["state"] != "active" {
		t.Fatalf("restore: %v", m)
	}
	runJSON(t, db, "forget", "-n", "global")
	if p := runJSON(t, db, "archive", "purge"); p["matched"] != 1.0 {
		t.Fatalf("purge: %v", p)
	}
	if p := runJSON(t, db, "pending", "list"); p["count"] != 0.0 {
		t.Fatalf("pending list: %v", p)
	}
	if r := run(t, db, "", "pending", "approve", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--agent-id", "me"); r.code != 1 {
		t.Fatalf("approving nothing: %d %s", r.code, r.stderr)
	}
}

// bench runs end to end on a small store and reports every figure. It
// runs as a process: it starts serve and mcp children from its own
// executable.
func TestBenchSmall(t *testing.T) {
	bench := func(db string, args ...string) map[string]any {
		t.Helper()
		r := runProcess(t, db, append(append([]string{"bench"}, args...), "--json")...)
		var v map[string]any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil {
			t.Fatalf("bench %v: exit %d: %s %s", args, r.code, r.stdout, r.stderr)
		}
		return v
	}
	db := filepath.Join(t.TempDir(), "bench.db")
	r := bench(db, "--n", "300", "--ops", "20", "--synchronous", "NORMAL")
	ops := map[string]bool{}
	for _, row := range r["rows"].([]any) {
		row := row.(map[string]any)
		l, b := row["latency"].(map[string]any), row["baseline"].(map[string]any)
		if row["n"] != 300.0 || l["n"] != 20.0 || l["p95_ms"].(float64) <= 0 || b["p95_ms"].(float64) <= 0 {
			t.Fatalf("row %v", row)
		}
		ops[row["op"].(string)] = true
	}
	if len(ops) != 7 {
		t.Fatalf("operations timed: %v", ops)
	}
	size := r["sizes"].([]any)[0].(map[string]any)
	if size["db_bytes_per_memory"].(float64) <= 0 || size["serve_peak_rss_mib"].(float64) <= 0 || len(r["targets"].([]any)) < 2 {
		t.Fatalf("bench report: %v", r)
	}
	if st := runJSON(t, db, "stats"); st["total"] != 320.0 {
		t.Fatalf("bench --db wrote %v memories, want 300 seeded + 20 timed", st["total"])
	}
	m := bench(filepath.Join(t.TempDir(), "mcp.db"), "--mcp", "--n", "200", "--ops", "10", "--synchronous", "NORMAL")
	if m["search_common"].(map[string]any)["n"] != 10.0 || m["search_common_namespace"].(map[string]any)["p95_ms"].(float64) <= 0 {
		t.Fatalf("mcp bench: %v", m)
	}
	q := bench(filepath.Join(t.TempDir(), "q.db"), "--quorum", "--ops", "10")
	if q["w2"].(map[string]any)["n"] != 10.0 || q["w1"].(map[string]any)["p95_ms"].(float64) <= 0 {
		t.Fatalf("quorum bench: %v", q)
	}
	h := bench(db, "--http-clients", "2", "--duration", "1s", "--synchronous", "NORMAL")
	if h["writes"].(float64) < 1 || h["errors"] != 0.0 || h["writes_per_sec"].(float64) <= 0 {
		t.Fatalf("http bench: %v", h)
	}
}

// Cancelling Run's context (main does on SIGINT and SIGTERM) ends a
// command waiting on standard input, and stops mcp cleanly.
func TestCancelEndsWaitingCommands(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"store", "-T", "t", "-c", "-"}, 1}, {[]string{"import", "-"}, 1}, {[]string{"mcp"}, 0}} {
		stdin, w := io.Pipe() // never written: the command waits
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb bytes.Buffer
		exited := make(chan int, 1)
		env := map[string]string{"HOME": t.TempDir()}
		go func() {
			exited <- Run(ctx, append([]string{"--db", filepath.Join(t.TempDir(), "c.db")}, c.args...), stdin, &out, &errb,
				func(k string) string { return env[k] })
		}()
		time.Sleep(100 * time.Millisecond)
		cancel()
		select {
		case code := <-exited:
			if code != c.code {
				t.Errorf("%v: exit %d after cancel, want %d: %s", c.args, code, c.code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v still running 10s after its context ended", c.args)
		}
		w.Close()
	}
}

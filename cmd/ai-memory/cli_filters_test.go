package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// list, search and recall take the same filter flags; --agent-id on them
// filters by author and never changes the identity of writes.
func TestReadCommandsShareFilters(t *testing.T) {
	db := filepath.Join(t.TempDir(), "f.db")
	runJSON(t, db, "--agent-id", "writer", "store", "-T", "deploy notes", "-c", "canary first", "-t", "long")
	runJSON(t, db, "--agent-id", "other", "store", "-T", "deploy rules", "-c", "canary always", "-t", "mid")
	for _, cmd := range [][]string{{"list"}, {"search", "canary"}, {"recall", "canary"}} {
		for _, filter := range [][]string{{"--agent", "writer"}, {"--agent-id", "writer"}, {"--tier", "long"},
			{"--since", "2000-01-01T00:00:00Z", "--until", "2999-01-01T00:00:00Z", "--agent-id", "writer"}} {
			out := runJSON(t, db, append(append([]string{}, cmd...), filter...)...)
			if out["count"] != 1.0 {
				t.Errorf("%v %v: count %v; want 1", cmd, filter, out["count"])
			}
		}
		if r := run(t, db, "", append(append([]string{}, cmd...), "--agent", "a", "--agent-id", "b")...); r.code != 2 {
			t.Errorf("%v with disagreeing --agent and --agent-id: exit %d", cmd, r.code)
		}
	}
}

// get, update, delete, link and promote take a unique id prefix; an
// ambiguous one is an error listing the candidates; consolidate takes its
// ids as arguments.
func TestIDPrefixesAndConsolidateArguments(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	a := runJSON(t, db, "store", "-T", "alpha", "-c", "first")["id"].(string)
	b := runJSON(t, db, "store", "-T", "beta", "-c", "second")["id"].(string)
	c := runJSON(t, db, "store", "-T", "gamma", "-c", "third")["id"].(string)
	ids := []string{a, b, c}
	short := func(id string) string { // the shortest prefix no other id shares
		for n := 1; n <= len(id); n++ {
			p := id[:n]
			clash := false
			for _, o := range ids {
				clash = clash || o != id && strings.HasPrefix(o, p)
			}
			if !clash {
				return p
			}
		}
		return id
	}
	if got := runJSON(t, db, "get", short(a))["memory"].(map[string]any)["id"]; got != a {
		t.Fatalf("get %s = %v; want %s", short(a), got, a)
	}
	runJSON(t, db, "update", short(b), "-p", "9")
	runJSON(t, db, "link", short(a), short(b))
	runJSON(t, db, "promote", short(c))
	shared := a[:1] // a ULID's first character is 0 until the year 10889
	if r := run(t, db, "", "get", shared); r.code != 2 || !strings.Contains(r.stderr, a) || !strings.Contains(r.stderr, b) {
		t.Fatalf("ambiguous prefix %q: exit %d %q", shared, r.code, r.stderr)
	}
	res := runJSON(t, db, "consolidate", short(a), short(b), "-T", "alpha and beta")
	if len(res["sources"].([]any)) != 2 {
		t.Fatalf("consolidate: %v", res)
	}
	// The consolidated memory is one more id a prefix must not share.
	merged, _ := res["memory"].(map[string]any)["id"].(string)
	if merged == "" {
		t.Fatalf("consolidate answered no memory id: %v", res)
	}
	ids = append(ids, merged)
	runJSON(t, db, "delete", short(c))
	if n := runJSON(t, db, "list")["count"]; n != 1.0 {
		t.Fatalf("%v memories left; want the consolidated one", n)
	}
}

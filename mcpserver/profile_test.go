package mcpserver

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestParseTools(t *testing.T) {
	for _, c := range []struct {
		spec string
		want []string // nil: every tool
	}{
		{"all", nil},
		{"core", CoreTools},
		{"core,all", nil},
		{" store , memory_recall ", []string{"memory_store", "memory_recall"}},
		{"core,inbox,memory_notify", append(slices.Clone(CoreTools), "memory_inbox", "memory_notify")},
	} {
		ts, err := ParseTools(c.spec)
		if err != nil {
			t.Fatalf("ParseTools(%q): %v", c.spec, err)
		}
		var got []string
		for _, n := range toolNames() {
			if ts.has(n) {
				got = append(got, n)
			}
		}
		want := c.want
		if want == nil {
			want = toolNames()
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Fatalf("ParseTools(%q) selects %v; want %v", c.spec, got, want)
		}
	}
	for spec, msg := range map[string]string{
		"core,memory_teleport": `unknown tool "memory_teleport": want core, all or tool names (memory_store, memory_recall,`,
		"all,teleport":         `unknown tool "teleport"`,
		"":                     "empty tool name",
		"core,":                "empty tool name",
	} {
		if _, err := ParseTools(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Fatalf("ParseTools(%q) = %v; want an error containing %q", spec, err, msg)
		}
	}
}

func TestCoreProfileServesOnlyCoreTools(t *testing.T) {
	core, err := ParseTools("core")
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, openEngine(t), Options{Tools: core})
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	if want := slices.Sorted(slices.Values(CoreTools)); !slices.Equal(names, want) || res.NextCursor != "" {
		t.Fatalf("core lists %v (next cursor %q); want %v on one page", names, res.NextCursor, want)
	}
	if in := cs.InitializeResult().Instructions; strings.Contains(in, "memory_session_start") {
		t.Fatalf("instructions name a tool the profile leaves out: %q", in)
	}
	ok(t, cs, "memory_store", map[string]any{"title": "core", "content": "works"})
	_, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_inbox"})
	if err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Fatalf("memory_inbox outside the profile: %v", err)
	}
}

package mcpserver

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestStdioBinaryToolsFlag(t *testing.T) {
	cl := startMCP(t, filepath.Join(t.TempDir(), "p.db"), nil, "--tools", "core,inbox")
	cl.initialize("2025-11-25")
	var names []string
	for _, tl := range list(cl.request(2, "tools/list", nil), "result", "tools") {
		names = append(names, str(tl, "name"))
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(CoreTools), "memory_inbox")))
	if !slices.Equal(names, want) {
		t.Fatalf("--tools core,inbox lists %v; want %v", names, want)
	}

	out, err := exec.Command(aiMemoryBinary(t), "--db", filepath.Join(t.TempDir(), "bad.db"), "mcp", "--tools", "core,teleport").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--tools: unknown tool "teleport"`) {
		t.Fatalf("unknown tool name: err %v, output %s", err, out)
	}
}

func TestServeMCPToolsFlag(t *testing.T) {
	base := startServe(t, "--mcp-tools", "core")
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	if want := slices.Sorted(slices.Values(CoreTools)); !slices.Equal(names, want) {
		t.Fatalf("serve --mcp-tools core lists %v; want %v", names, want)
	}

	// Bounded: a serve that accepted the flag would run until killed.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, aiMemoryBinary(t), "--db", filepath.Join(t.TempDir(), "bad.db"), "serve", "--port", "0",
		"--mcp-tools", "nope").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--mcp-tools: unknown tool "nope"`) {
		t.Fatalf("unknown tool name: err %v, output %s", err, out)
	}
}

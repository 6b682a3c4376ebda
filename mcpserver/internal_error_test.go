package mcpserver

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// An internal failure tells the agent only that it happened, and tells
// the operator what it was.
func TestInternalErrorIsHiddenFromAgentAndLogged(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "mcp.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(st, engine.Options{NodeID: "n1", PromoteAfter: engine.DefaultPromoteAfter})
	var logs lockedBuffer
	cs := connect(t, e, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st.Close() // every store call now fails inside the server

	r := call(t, cs, "memory_list", map[string]any{})
	if !r.IsError || r.Text != "internal: internal error" {
		t.Fatalf("agent saw %+v, want only %q", r, "internal: internal error")
	}
	got := logs.String()
	if !strings.Contains(got, "tool=memory_list") || !strings.Contains(got, "closed") {
		t.Fatalf("log does not name the tool and the cause: %q", got)
	}
}

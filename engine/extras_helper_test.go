package engine

import (
	"context"
	"path/filepath"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// openExtrasEngine is an engine on a fresh SQLite file, closed at cleanup.
func openExtrasEngine(t *testing.T) *Engine {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "extras.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Options{NodeID: "n1"})
}

// mustStore stores a memory or fails the test.
func mustStore(t *testing.T, e *Engine, in NewMemory) memory.Memory {
	t.Helper()
	res, err := e.Store(context.Background(), in)
	if err != nil {
		t.Fatalf("store %q: %v", in.Title, err)
	}
	return res.Memory
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if memory.ErrorCode(err) != code || err == nil {
		t.Fatalf("error = %v; want code %s", err, code)
	}
}

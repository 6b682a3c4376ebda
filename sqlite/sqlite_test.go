package sqlite

import (
	"path/filepath"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/storetest"
)

// openTemp opens a store on a new file in the test's temp dir.
func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "memory.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) memory.Store { return openTemp(t, Options{}) })
}

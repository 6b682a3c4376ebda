package postgres

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a store on a fresh database, closed at cleanup.
func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.New(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) memory.Store { return open(t) })
}

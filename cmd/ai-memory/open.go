package main

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// openStore opens the store named by --db. The SQLite package is being
// written; until it lands every command that needs a store fails clearly.
func openStore(ctx context.Context, dsn string) (memory.Store, error) {
	return nil, memory.Errorf(memory.CodeUnavailable, "no storage backend for %q yet", dsn)
}

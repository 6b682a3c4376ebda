package main

import (
	"context"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/storeurl"
)

// openStore opens the store named by --db: a file path, sqlite:///path or
// postgres://… (see package storeurl).
func openStore(ctx context.Context, dsn string) (memory.Store, error) {
	return storeurl.Open(ctx, dsn)
}

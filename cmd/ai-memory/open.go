package main

import (
	"context"
	"os"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/storeurl"
)

// openStore opens the store named by --db: a file path, sqlite:///path or
// postgres://… (see package storeurl). A database of the original
// ai-memory is refused, untouched, with the command that imports it.
func openStore(ctx context.Context, dsn string) (memory.Store, error) {
	noteOriginalDefault(os.Stderr)
	return openStoreFor(ctx, dsn, "--db")
}

// openStoreFor is openStore for the store a flag names.
func openStoreFor(ctx context.Context, dsn, flag string) (memory.Store, error) {
	if err := refuseOriginal(dsn, flag); err != nil {
		return nil, err
	}
	return storeurl.Open(ctx, dsn)
}

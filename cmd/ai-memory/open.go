package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// openStore opens the store named by --db: a file path or sqlite:///path.
func openStore(ctx context.Context, dsn string) (memory.Store, error) {
	path := dsn
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path = strings.TrimPrefix(dsn, "sqlite://")
	case strings.Contains(dsn, "://"):
		return nil, memory.Errorf(memory.CodeInvalid, "--db %q: unsupported store URL (want a path or sqlite:///path)", dsn)
	}
	if path == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "--db must name a database file")
	}
	// The default location's directory may not exist yet on a fresh machine.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(path, sqlite.Options{})
}

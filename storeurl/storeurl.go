// Package storeurl opens a memory.Store named by a URL, for commands that
// take --from/--to or --db: postgres:// and postgresql:// open PostgreSQL;
// sqlite:///abs/path, sqlite://rel/path and plain paths open SQLite.
package storeurl

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/postgres"
	"github.com/aimemory/ai-memory/sqlite"
)

// Open opens the store rawURL names, with default options.
func Open(ctx context.Context, rawURL string) (memory.Store, error) {
	switch {
	case rawURL == "":
		return nil, memory.Errorf(memory.CodeInvalid, "store URL is empty")
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		s, err := postgres.Open(ctx, rawURL, postgres.Options{})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	path, err := SQLitePath(rawURL)
	if err != nil {
		return nil, err
	}
	// A destination's directory may not exist yet.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// SQLitePath is the file a sqlite: URL or plain path names:
// sqlite:///abs/path.db → /abs/path.db, sqlite://rel.db → rel.db,
// sqlite:rel.db → rel.db. Other schemes are refused rather than mistaken
// for file names.
func SQLitePath(rawURL string) (string, error) {
	path := rawURL
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		path = strings.TrimPrefix(rawURL, "sqlite://")
	case strings.HasPrefix(rawURL, "sqlite:"):
		path = strings.TrimPrefix(rawURL, "sqlite:")
	case strings.Contains(rawURL, "://"):
		return "", memory.Errorf(memory.CodeInvalid, "store URL %q: want postgres://, postgresql://, sqlite:// or a file path", rawURL)
	}
	if path == "" {
		return "", memory.Errorf(memory.CodeInvalid, "store URL %q has no file path", rawURL)
	}
	return path, nil
}

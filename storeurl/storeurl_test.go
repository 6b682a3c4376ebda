package storeurl

import (
	"context"
	"path/filepath"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/postgres"
	"github.com/aimemory/ai-memory/sqlite"
)

func TestSQLitePath(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:///abs/path.db": "/abs/path.db",
		"sqlite://rel/path.db":  "rel/path.db",
		"sqlite:rel.db":         "rel.db",
		"/plain/path.db":        "/plain/path.db",
		"plain.db":              "plain.db",
	} {
		if got, err := SQLitePath(in); err != nil || got != want {
			t.Errorf("SQLitePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"mysql://x/y", "sqlite://", "http://127.0.0.1/db"} {
		if _, err := SQLitePath(bad); memory.ErrorCode(err) != memory.CodeInvalid {
			t.Errorf("SQLitePath(%q): %v, want invalid_argument", bad, err)
		}
	}
}

func TestOpenPicksTheBackend(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new", "dir", "m.db")
	s, err := Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*sqlite.Store); !ok {
		t.Fatalf("sqlite URL opened %T", s)
	}
	s.Close()

	s, err = Open(ctx, pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*postgres.Store); !ok {
		t.Fatalf("postgres URL opened %T", s)
	}
	s.Close()

	for _, bad := range []string{"", "mysql://127.0.0.1/db"} {
		if _, err := Open(ctx, bad); memory.ErrorCode(err) != memory.CodeInvalid {
			t.Errorf("Open(%q): %v, want invalid_argument", bad, err)
		}
	}
}

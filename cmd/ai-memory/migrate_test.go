package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/sqlite"
)

// runMigrateCLI runs `ai-memory --json migrate args...` in process and
// decodes the report it prints; it returns the exit status.
func runMigrateCLI(t *testing.T, args ...string) (migrate.Report, int) {
	t.Helper()
	r := cli(t, map[string]string{"HOME": t.TempDir()}, "", append([]string{"--json", "migrate"}, args...)...)
	var rep migrate.Report
	if r.stdout != "" {
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
		}
	}
	if r.code != 0 {
		t.Logf("migrate %v: exit %d: %s", args, r.code, r.stderr)
	}
	return rep, r.code
}

func TestMigrateCommandRoundTrip(t *testing.T) {
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src.db")
	src, err := sqlite.Open(srcPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	var b memory.Batch
	for i := range 300 {
		b.Memories = append(b.Memories, memory.Memory{ID: memory.NewID(at), Tier: memory.TierMid,
			Namespace: "cli", Title: fmt.Sprintf("m%d", i), Content: "migrated by the CLI", Priority: 5,
			Confidence: 1, Source: "cli", CreatedAt: at, UpdatedAt: at, State: memory.StateActive,
			Origin: "node-a", Version: memory.MakeHLC(at.UnixMilli(), uint16(i))})
	}
	if _, err := src.Apply(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	src.Close()
	pgURL := pgtest.New(t)
	backURL := "sqlite://" + filepath.Join(dir, "sub", "back.db")

	steps := []struct {
		from, to string
		written  int
	}{
		{"sqlite://" + srcPath, pgURL, 300},
		{srcPath, pgURL, 0}, // identical re-run, plain path form
		{pgURL, backURL, 300},
	}
	for _, s := range steps {
		rep, code := runMigrateCLI(t, "--from", s.from, "--to", s.to, "--batch", "128")
		if code != 0 {
			t.Fatalf("migrate %s → %s: exit %d", s.from, s.to, code)
		}
		if rep.Read != 300 || rep.Written != s.written || len(rep.Errors) != 0 || rep.Batches != 3 || !rep.ContentDigest.Match() {
			t.Fatalf("migrate %s → %s: report %+v", s.from, s.to, rep)
		}
	}

	if _, code := runMigrateCLI(t, "--from", filepath.Join(dir, "missing.db"), "--to", backURL); code != 2 {
		t.Fatalf("missing source: exit %d; want exit 2", code)
	}
}

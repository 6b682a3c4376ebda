package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
)

// A server crashed with pg_ctl stop -m immediate: writes fail as
// unavailable within the operation timeout while it is down, succeed on
// their own once it is back (the pool reconnects; no reopen), and a write
// in flight across the restart lands exactly once.
func TestServerCrashIsUnavailableThenRecovers(t *testing.T) {
	if os.Getenv(pgtest.EnvURL) != "" {
		t.Skip("crashes a server of its own; " + pgtest.EnvURL + " points at an external one")
	}
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{NoFsync: true, SyncCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	s, err := Open(ctx, srv.URL("postgres"), Options{OpTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(id string, v int) error {
		_, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{testMemory(id, id, "crash", v)}})
		return err
	}
	if err := put("before", 1); err != nil {
		t.Fatal(err)
	}
	if err := srv.StopImmediate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = put("down", 1)
	if took := time.Since(start); memory.ErrorCode(err) != memory.CodeUnavailable || took > 4*time.Second {
		t.Fatalf("write to a stopped server: %v after %s, want unavailable within the 2 s timeout", err, took)
	}
	if _, err := s.GetMemory(ctx, "before"); memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("read from a stopped server: %v, want unavailable", err)
	}
	// A write issued while the server is down and restarted within the
	// timeout is retried into it.
	done := make(chan error, 1)
	go func() { done <- put("across", 1) }()
	time.Sleep(200 * time.Millisecond)
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write across the restart: %v", err)
	}
	for _, id := range []string{"before", "across"} {
		if _, err := s.GetMemory(ctx, id); err != nil {
			t.Fatalf("%s after restart: %v", id, err)
		}
	}
	cs, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Memories) != 2 {
		t.Fatalf("%d rows after restart, want 2 (before, across): %+v", len(cs.Memories), cs.Memories)
	}
}

func TestOpTimeoutFromURL(t *testing.T) {
	var o Options
	got, err := takeOpTimeout("postgres://u@h:5/db?sslmode=disable&op_timeout=3s", &o)
	if err != nil || o.OpTimeout != 3*time.Second || got != "postgres://u@h:5/db?sslmode=disable" {
		t.Fatalf("got %q, %s, %v", got, o.OpTimeout, err)
	}
	if _, err := takeOpTimeout("postgres://h/db?op_timeout=soon", &o); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("bad duration: %v, want invalid", err)
	}
}

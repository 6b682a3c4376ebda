package migrate

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/postgres"
	"github.com/jackc/pgx/v5"
)

func TestZZProbe(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip("probe")
	}
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	var pages []memory.Batch
	for p := range 20 {
		var b memory.Batch
		for i := range 1000 {
			b.Memories = append(b.Memories, seedMemory(p*1000+i))
		}
		pages = append(pages, b)
	}
	for k, drop := range []string{"", "DROP INDEX memories_tags", "DROP INDEX memories_fts", "DROP INDEX memories_fts; DROP INDEX memories_tags; ALTER TABLE memories DROP COLUMN fts", "DROP INDEX memories_fts; DROP INDEX memories_tags; ALTER TABLE memories DROP COLUMN fts; DROP INDEX memories_ns_title; DROP INDEX memories_state_id"} {
		db := fmt.Sprintf("p%d", k)
		srv.CreateDatabase(ctx, db)
		pg, err := postgres.Open(ctx, srv.URL(db), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if drop != "" {
			c, _ := pgx.Connect(ctx, srv.URL(db))
			if _, err := c.Exec(ctx, drop); err != nil {
				t.Fatal(err)
			}
			c.Close(ctx)
		}
		pg.Close()
		time.Sleep(300 * time.Millisecond)
		cpu0 := serverCPUSecs(t, srv.PID())
		pg, _ = postgres.Open(ctx, srv.URL(db), postgres.Options{})
		tm := time.Now()
		for i := range pages {
			if _, err := pg.Apply(ctx, &pages[i]); err != nil {
				t.Fatal(err)
			}
		}
		wall := time.Since(tm)
		pg.Close()
		time.Sleep(500 * time.Millisecond)
		t.Logf("20k memories [%s]: server CPU %.2fs, wall %v", drop, serverCPUSecs(t, srv.PID())-cpu0, wall)
	}
}

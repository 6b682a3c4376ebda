package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/postgres"
	"github.com/aimemory/ai-memory/sqlite"
)

type migrateBenchReport struct {
	N              int      `json:"n"`
	ToPostgres     float64  `json:"sqlite_to_postgres_rows_per_sec"`
	ToSQLite       float64  `json:"postgres_to_sqlite_rows_per_sec"`
	ToPostgresSecs float64  `json:"sqlite_to_postgres_secs"`
	ToSQLiteSecs   float64  `json:"postgres_to_sqlite_secs"`
	Targets        []target `json:"targets"`
}

// benchMigrate seeds --n memories, starts a throwaway PostgreSQL (durable:
// fsync on), and times migrate into it and back into a fresh SQLite file:
// rows copied (memories, links, records) per second of copying, the
// digests that end a run excluded.
func (b *bench) runMigrate(ctx context.Context, path string) error {
	if err := b.seed(ctx, path, b.n); err != nil {
		return err
	}
	pg, err := pgtest.FromEnv(ctx, pgtest.Options{})
	if err != nil {
		return err
	}
	defer pg.Stop()
	if err := pg.CreateDatabase(ctx, "bench_migrate"); err != nil {
		return err
	}
	defer pg.DropDatabase(ctx, "bench_migrate")
	run := func(fromSQLite bool, other string) (rate, secs float64, err error) {
		lite, err := sqlite.Open(other, sqlite.Options{})
		if err != nil {
			return 0, 0, err
		}
		defer lite.Close()
		pgs, err := postgres.Open(ctx, pg.URL("bench_migrate"), postgres.Options{})
		if err != nil {
			return 0, 0, err
		}
		defer pgs.Close()
		var from, to memory.Store = lite, pgs
		if !fromSQLite {
			from, to = pgs, lite
		}
		name := "migrate-to-postgres"
		if !fromSQLite {
			name = "migrate-to-sqlite"
		}
		// The copy ends with the last page written; the run goes on to
		// fingerprint the destination, which is not copying.
		var rep migrate.Report
		var start, copied time.Time
		_, err = b.timed(name, 1, func() (err error) {
			start = time.Now()
			rep, err = migrate.Run(ctx, from, to, migrate.Options{OnBatch: func(migrate.Report) { copied = time.Now() }})
			return err
		})
		if err != nil {
			return 0, 0, err
		}
		if !rep.ContentDigest.Match() {
			return 0, 0, fmt.Errorf("migrate: digests differ: %+v", rep.ContentDigest)
		}
		secs = copied.Sub(start).Seconds()
		return float64(rep.Written+rep.Links+rep.Records) / secs, secs, nil
	}
	rep := migrateBenchReport{N: b.n}
	if rep.ToPostgres, rep.ToPostgresSecs, err = run(true, path); err != nil {
		return err
	}
	back := path + ".back"
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(back + suffix)
		}
	}()
	if rep.ToSQLite, rep.ToSQLiteSecs, err = run(false, back); err != nil {
		return err
	}
	rep.Targets = []target{check("migrate_sqlite_to_postgres_rows_per_sec", rep.ToPostgres, 30000, true),
		check("migrate_postgres_to_sqlite_rows_per_sec", rep.ToSQLite, 30000, true)}
	return b.a.print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "%d memories: SQLite→PostgreSQL %.0f rows/s (%.1fs), PostgreSQL→SQLite %.0f rows/s (%.1fs)\n",
			rep.N, rep.ToPostgres, rep.ToPostgresSecs, rep.ToSQLite, rep.ToSQLiteSecs)
		printTargets(w, rep.Targets)
	})
}

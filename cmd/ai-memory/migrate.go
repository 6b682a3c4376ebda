package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/storeurl"
)

// migrateFlags are the flags of migrate.
type migrateFlags struct {
	from, to    string
	batch       int
	namespace   string
	dryRun      bool
	skipInvalid bool
}

func newMigrateCmd(a *app) *cobra.Command {
	var f migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate --from URL --to URL",
		Short: "Copy every memory, link and record from one store to another (SQLite ⇄ Postgres)",
		Long: `Copy everything one store holds into another: memories in every state
(archived and deleted ones too), links and records. URLs are postgres://…,
postgresql://…, sqlite:///abs/path.db, sqlite://rel/path.db or a file path.

Rows are streamed in batches, one destination transaction per batch, so a run
that is interrupted leaves the destination consistent and running it again
completes the copy. Rows the destination already holds at the same or a newer
version are skipped: an identical second run writes 0. The report ends with a
content digest of both sides, as a whole and per kind of row (memories,
agents, archived, links, and each kind of record); equal digests mean the
destination holds what the source holds.

A --from database of the original ai-memory is recognised and read
read-only, as import --from-original reads it (see ai-memory help import).

Exit status 1 if any error is reported.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runMigrate(cmd.Context(), f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.from, "from", "", "source store URL (required)")
	fs.StringVar(&f.to, "to", "", "destination store URL (required)")
	fs.IntVar(&f.batch, "batch", migrate.DefaultBatch, "rows per batch and per destination transaction")
	fs.StringVar(&f.namespace, "namespace", "", "copy only this namespace's memories and the links from them")
	fs.BoolVar(&f.dryRun, "dry-run", false, "read and count, write nothing")
	fs.BoolVar(&f.skipInvalid, "skip-invalid", false, "from the original's database: succeed even if some rows cannot be read")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("to")
	return cmd
}

func (a *app) runMigrate(ctx context.Context, f migrateFlags) error {
	// A mistyped source path must not read as an empty store.
	if !isPostgresURL(f.from) {
		path, err := storeurl.SQLitePath(f.from)
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); err != nil {
			return memory.Errorf(memory.CodeInvalid, "--from %s: %v", f.from, err)
		}
	}
	to, err := a.openStoreFor(ctx, f.to, "--to")
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer to.Close()
	if isOriginal(f.from) {
		path, _ := storeurl.SQLitePath(f.from)
		return a.copyOriginal(ctx, path, f.to, to, migrate.Options{Batch: f.batch,
			Namespace: f.namespace, DryRun: f.dryRun}, f.skipInvalid)
	}
	from, err := storeurl.Open(ctx, f.from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer from.Close()

	rep, runErr := migrate.Run(ctx, from, to, migrate.Options{
		Batch: f.batch, Namespace: f.namespace, DryRun: f.dryRun,
		FromURL: f.from, ToURL: f.to,
	})
	if err := a.print(rep, func(w io.Writer) { printMigrateReport(w, rep) }); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case len(rep.Errors) > 0:
		return fmt.Errorf("migrate: %d row(s) not copied", len(rep.Errors))
	}
	return nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func printMigrateReport(w io.Writer, rep migrate.Report) {
	verb := "copied"
	if rep.DryRun {
		verb = "dry run, would read"
	}
	fmt.Fprintf(w, "%s → %s: %s %d memories in %d batches; written %d memories (%d archived), %d links, %d records\n",
		rep.FromURL, rep.ToURL, verb, rep.Read, rep.Batches, rep.Written, rep.Archived, rep.Links, rep.Records)
	match := "match"
	if !rep.ContentDigest.Match() {
		match = "DIFFER"
	}
	fmt.Fprintf(w, "content digest: source %s, destination %s (%s)\n",
		rep.ContentDigest.Source, rep.ContentDigest.Destination, match)
	fmt.Fprintln(w, "per kind (rows source → destination, digests):")
	printKinds(w, rep.Kinds)
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

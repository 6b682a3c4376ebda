package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/storeurl"
)

var migrateFlags struct {
	From, To    string
	Batch       int
	Namespace   string
	DryRun      bool
	SkipInvalid bool
}

var migrateCmd = &cobra.Command{
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
	RunE: runMigrate,
}

func init() {
	f := migrateCmd.Flags()
	f.StringVar(&migrateFlags.From, "from", "", "source store URL (required)")
	f.StringVar(&migrateFlags.To, "to", "", "destination store URL (required)")
	f.IntVar(&migrateFlags.Batch, "batch", migrate.DefaultBatch, "rows per batch and per destination transaction")
	f.StringVar(&migrateFlags.Namespace, "namespace", "", "copy only this namespace's memories and the links from them")
	f.BoolVar(&migrateFlags.DryRun, "dry-run", false, "read and count, write nothing")
	f.BoolVar(&migrateFlags.SkipInvalid, "skip-invalid", false, "from the original's database: succeed even if some rows cannot be read")
	migrateCmd.MarkFlagRequired("from")
	migrateCmd.MarkFlagRequired("to")
	rootCmd.AddCommand(migrateCmd)
}

func runMigrate(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	// A mistyped source path must not read as an empty store.
	if !isPostgresURL(migrateFlags.From) {
		path, err := storeurl.SQLitePath(migrateFlags.From)
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); err != nil {
			return memory.Errorf(memory.CodeInvalid, "--from %s: %v", migrateFlags.From, err)
		}
	}
	to, err := openStoreFor(ctx, migrateFlags.To, "--to")
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer to.Close()
	if isOriginal(migrateFlags.From) {
		path, _ := storeurl.SQLitePath(migrateFlags.From)
		return copyOriginal(cmd, path, migrateFlags.To, to, migrate.Options{Batch: migrateFlags.Batch,
			Namespace: migrateFlags.Namespace, DryRun: migrateFlags.DryRun}, migrateFlags.SkipInvalid)
	}
	from, err := storeurl.Open(ctx, migrateFlags.From)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer from.Close()

	rep, runErr := migrate.Run(ctx, from, to, migrate.Options{
		Batch: migrateFlags.Batch, Namespace: migrateFlags.Namespace, DryRun: migrateFlags.DryRun,
		FromURL: migrateFlags.From, ToURL: migrateFlags.To,
	})
	if err := printResult(cmd, rep, func(w io.Writer) { printMigrateReport(w, rep) }); err != nil {
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

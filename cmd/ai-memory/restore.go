package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/backup"
	"github.com/aimemory/ai-memory/storeurl"
)

func newRestoreCmd(a *app) *cobra.Command {
	var opts backup.RestoreOptions
	cmd := &cobra.Command{
		Use:   "restore --from FILE|DIR",
		Short: "Replace the --db database with a verified snapshot",
		Long: `Replace the --db SQLite database with a snapshot written by backup.
--from names a snapshot, its manifest, or a backup directory (its newest
snapshot is used). The snapshot's size and sha256 must match its manifest and
it must pass PRAGMA integrity_check; a corrupt or truncated snapshot is
refused unless --skip-verify is given.

The verified copy is swapped in with an atomic rename; the replaced database
is kept as <db>.pre-restore-<stamp> (with its WAL, if any). Restore refuses
while another process, such as a running serve, has the database open: stop
it first, restore, then start it again.

For --db postgres://… a pg_dump snapshot (.pgdump) is checked against its
manifest and restored by pg_restore --clean in one transaction; a logical
export (.json) is restored only into an empty database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runRestore(cmd.Context(), opts) },
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.From, "from", "", "snapshot file, manifest or backup directory (required)")
	fs.BoolVar(&opts.SkipVerify, "skip-verify", false, "install without checking the manifest or integrity")
	cmd.MarkFlagRequired("from")
	return cmd
}

func (a *app) runRestore(ctx context.Context, opts backup.RestoreOptions) error {
	var res *backup.RestoreResult
	if isPostgresURL(a.global.DB) {
		st, err := storeurl.Open(ctx, a.global.DB)
		if err != nil {
			return err
		}
		defer st.Close()
		if res, err = backup.RestorePostgres(ctx, a.global.DB, st, opts); err != nil {
			return err
		}
	} else {
		path, err := storeurl.SQLitePath(a.global.DB)
		if err != nil {
			return err
		}
		opts.DB = path
		if res, err = backup.Restore(ctx, opts); err != nil {
			return err
		}
	}
	return a.print(res, func(w io.Writer) {
		how := "verified against " + res.Manifest
		if !res.Verified {
			how = "NOT verified (--skip-verify)"
		}
		fmt.Fprintf(w, "restored %s into %s, %s\n", res.Snapshot, res.DB, how)
		if res.Previous != "" {
			fmt.Fprintf(w, "previous database kept at %s\n", res.Previous)
		}
	})
}

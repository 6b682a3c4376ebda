package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/backup"
	"github.com/aimemory/ai-memory/storeurl"
)

var restoreFlags struct {
	from       string
	skipVerify bool
}

var restoreCmd = &cobra.Command{
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
	RunE: runRestore,
}

func init() {
	f := restoreCmd.Flags()
	f.StringVar(&restoreFlags.from, "from", "", "snapshot file, manifest or backup directory (required)")
	f.BoolVar(&restoreFlags.skipVerify, "skip-verify", false, "install without checking the manifest or integrity")
	restoreCmd.MarkFlagRequired("from")
	rootCmd.AddCommand(restoreCmd)
}

func runRestore(cmd *cobra.Command, _ []string) error {
	opts := backup.RestoreOptions{From: restoreFlags.from, SkipVerify: restoreFlags.skipVerify}
	var res *backup.RestoreResult
	if isPostgresURL(globals.DB) {
		st, err := storeurl.Open(cmd.Context(), globals.DB)
		if err != nil {
			return err
		}
		defer st.Close()
		if res, err = backup.RestorePostgres(cmd.Context(), globals.DB, st, opts); err != nil {
			return err
		}
	} else {
		path, err := storeurl.SQLitePath(globals.DB)
		if err != nil {
			return err
		}
		opts.DB = path
		if res, err = backup.Restore(cmd.Context(), opts); err != nil {
			return err
		}
	}
	return printResult(cmd, res, func(w io.Writer) {
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

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/backup"
	"github.com/aimemory/ai-memory/storeurl"
)

var backupFlags struct {
	to   string
	keep int
}

var backupCmd = &cobra.Command{
	Use:   "backup --to DIR [--keep N]",
	Short: "Write a verified snapshot of the store and rotate old ones",
	Long: `Write one consistent snapshot of the --db store into DIR as
ai-memory-<UTC stamp>.db, with <stamp>.manifest.json beside it (sha256, size,
row counts by state, schema version, node id, method). The snapshot is taken
online with SQLite's VACUUM INTO: a running server keeps writing, and the
snapshot holds every write committed before it started. Then only the --keep
newest snapshots (and their manifests) are kept.`,
	Args: cobra.NoArgs,
	RunE: runBackup,
}

func init() {
	f := backupCmd.Flags()
	f.StringVar(&backupFlags.to, "to", "", "directory for snapshots (required; created if missing)")
	f.IntVar(&backupFlags.keep, "keep", 48, "snapshots to keep in the directory, the new one included")
	backupCmd.MarkFlagRequired("to")
	rootCmd.AddCommand(backupCmd)
}

func runBackup(cmd *cobra.Command, _ []string) error {
	if isPostgresURL(globals.DB) {
		return memory.Errorf(memory.CodeInvalid, "backup of a PostgreSQL store is not supported yet; use pg_dump")
	}
	// A mistyped --db must not create and back up an empty database.
	path, err := storeurl.SQLitePath(globals.DB)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return memory.Errorf(memory.CodeNotFound, "database %s does not exist", path)
	}
	eng, done, err := openEngine(cmd)
	if err != nil {
		return err
	}
	defer done()
	snap, ok := eng.Backend().(backup.Snapshotter)
	if !ok {
		return memory.Errorf(memory.CodeInvalid, "the store behind --db %s cannot take snapshots", globals.DB)
	}
	res, err := backup.SQLite(cmd.Context(), snap, backup.Options{Dir: backupFlags.to, Keep: backupFlags.keep, NodeID: eng.NodeID()})
	if err != nil {
		return err
	}
	return printResult(cmd, res, func(w io.Writer) {
		m := res.Manifest
		fmt.Fprintf(w, "snapshot %s (%d bytes, sha256 %s)\n", res.Snapshot, m.SizeBytes, m.SHA256)
		fmt.Fprintf(w, "memories: %d active, %d archived, %d deleted; %d links, %d records; schema %d\n",
			m.Rows.Memories[memory.StateActive], m.Rows.Memories[memory.StateArchived], m.Rows.Memories[memory.StateDeleted],
			m.Rows.Links, m.Rows.Records, m.SchemaVersion)
		fmt.Fprintf(w, "manifest %s; removed %d old file(s)\n", res.ManifestPath, len(res.Removed))
	})
}

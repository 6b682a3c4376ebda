package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/backup"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/storeurl"
)

// backupFlags are the flags of backup.
type backupFlags struct {
	to      string
	keep    int
	logical bool
}

func newBackupCmd(a *app) *cobra.Command {
	var f backupFlags
	cmd := &cobra.Command{
		Use:   "backup --to DIR [--keep N]",
		Short: "Write a verified snapshot of the store and rotate old ones",
		Long: `Write one consistent snapshot of the --db store into DIR as
ai-memory-<UTC stamp>.db, with <stamp>.manifest.json beside it (sha256, size,
row counts by state, schema version, node id, method). The snapshot is taken
online with SQLite's VACUUM INTO: a running server keeps writing, and the
snapshot holds every write committed before it started. Then only the --keep
newest snapshots (and their manifests) are kept.

For --db postgres://… the snapshot is ai-memory-<stamp>.pgdump, written by
pg_dump (custom format) from one read-only snapshot that also gives the
manifest's row counts; without pg_dump, or with --logical, it is the engine's
JSON export, ai-memory-<stamp>.json. The manifest's method says which.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runBackup(cmd.Context(), f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.to, "to", "", "directory for snapshots (required; created if missing)")
	fs.IntVar(&f.keep, "keep", 48, "snapshots to keep in the directory, the new one included")
	fs.BoolVar(&f.logical, "logical", false, "PostgreSQL: write the JSON export even when pg_dump is installed")
	cmd.MarkFlagRequired("to")
	return cmd
}

func (a *app) runBackup(ctx context.Context, f backupFlags) error {
	if isPostgresURL(a.global.DB) {
		return a.backupPostgres(ctx, f)
	}
	// A mistyped --db must not create and back up an empty database.
	path, err := storeurl.SQLitePath(a.global.DB)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return memory.Errorf(memory.CodeNotFound, "database %s does not exist", path)
	}
	eng, st, done, err := a.openNode(ctx, "", a.warnLogger())
	if err != nil {
		return err
	}
	defer done()
	snap, ok := st.(backup.Snapshotter)
	if !ok {
		return memory.Errorf(memory.CodeInvalid, "the store behind --db %s cannot take snapshots", a.global.DB)
	}
	res, err := backup.SQLite(ctx, snap, backup.Options{Dir: f.to, Keep: f.keep, NodeID: eng.NodeID()})
	if err != nil {
		return err
	}
	return a.printBackup(res)
}

func (a *app) backupPostgres(ctx context.Context, f backupFlags) error {
	st, err := storeurl.Open(ctx, a.global.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := resolveNodeID(ctx, st, "")
	if err != nil {
		return err
	}
	eng := engine.New(st, engine.Options{NodeID: id})
	res, err := backup.Postgres(ctx, a.global.DB, eng, backup.PostgresOptions{Logical: f.logical,
		Options: backup.Options{Dir: f.to, Keep: f.keep, NodeID: id}})
	if err != nil {
		return err
	}
	return a.printBackup(res)
}

func (a *app) printBackup(res *backup.Result) error {
	return a.print(res, func(w io.Writer) {
		m := res.Manifest
		fmt.Fprintf(w, "snapshot %s (%s, %d bytes, sha256 %s)\n", res.Snapshot, m.Method, m.SizeBytes, m.SHA256)
		fmt.Fprintf(w, "memories: %d active, %d archived, %d deleted; %d links, %d records; schema %d\n",
			m.Rows.Memories[memory.StateActive], m.Rows.Memories[memory.StateArchived], m.Rows.Memories[memory.StateDeleted],
			m.Rows.Links, m.Rows.Records, m.SchemaVersion)
		fmt.Fprintf(w, "manifest %s; removed %d old file(s)\n", res.ManifestPath, len(res.Removed))
	})
}

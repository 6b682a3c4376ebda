package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Backup writes a consistent, compacted copy of the database to dst with
// VACUUM INTO. It reads one snapshot through its own connection, so writers
// keep committing while it runs; the copy holds exactly the commits before
// it started. dst must not exist.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return memory.Errorf(memory.CodeConflict, "backup target %s already exists", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup target %s: %w", dst, err)
	}
	if _, err := s.aux.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		os.Remove(dst) // a partial copy is worse than none
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	// VACUUM INTO does not promise an fsync of its output; a backup that a
	// power cut can tear is no backup.
	if err := syncFile(dst); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	return syncFile(filepath.Dir(dst))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Checkpoint copies the WAL into the database file and truncates it, waiting
// for readers and writers as busy_timeout allows. Useful before copying the
// file by other means, and to bound the WAL after a burst.
func (s *Store) Checkpoint(ctx context.Context) error {
	// The writer's own idle work (index merges, passive checkpoints) can
	// hold the lock for a moment; wait that out, bounded, before reporting busy.
	deadline := time.Now().Add(checkpointPatience)
	for {
		var busy, logFrames, checkpointed int
		err := s.aux.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return memory.Errorf(memory.CodeUnavailable, "checkpoint: database busy, %d of %d frames copied", checkpointed, logFrames)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkpointPatience bounds how long Checkpoint retries a busy database.
const checkpointPatience = 5 * time.Second

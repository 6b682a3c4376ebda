package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// RestoreOptions configure a restore.
type RestoreOptions struct {
	// From is a snapshot file, its manifest, or a directory (its newest
	// snapshot is used).
	From string
	// DB is the database file to replace.
	DB string
	// SkipVerify installs the snapshot without checking it against its
	// manifest or running the integrity check. Only the SQLite header is
	// still required, so a wrong file can never be installed by a typo.
	SkipVerify bool
	// Now stamps the name the replaced database is kept under.
	Now func() time.Time
}

// RestoreResult says what was installed.
type RestoreResult struct {
	Snapshot string `json:"snapshot"`
	// Manifest is the manifest checked, empty with SkipVerify.
	Manifest string `json:"manifest,omitempty"`
	Verified bool   `json:"verified"`
	DB       string `json:"db"`
	SHA256   string `json:"sha256"`
	// Previous is where the replaced database was kept (with its -wal), or
	// empty when there was none. Delete it once the restore is confirmed.
	Previous string    `json:"previous,omitempty"`
	Rows     RowCounts `json:"rows"`
}

// Restore verifies a SQLite snapshot and swaps it in as opts.DB. It
// refuses while another process has opts.DB open: replacing the file under
// a running server would let it keep writing to the unlinked old file, and
// those writes would vanish. Stop the server, restore, start it again.
func Restore(ctx context.Context, opts RestoreOptions) (*RestoreResult, error) {
	if opts.From == "" || opts.DB == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "restore needs --from and a database path")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	snap, manPath, err := resolveFrom(opts.From, []string{".db"})
	if err != nil {
		return nil, err
	}
	res := &RestoreResult{Snapshot: snap, DB: opts.DB}
	var want string
	if opts.SkipVerify {
		ok, err := isSQLite(snap)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, memory.Errorf(memory.CodeInvalid, "%s is not a SQLite database", snap)
		}
	} else {
		if want, err = verify(ctx, snap, manPath); err != nil {
			return nil, err
		}
		res.Manifest, res.Verified = manPath, true
	}
	if pid, busy, err := inUse(opts.DB); err != nil {
		return nil, err
	} else if busy {
		return nil, memory.Errorf(memory.CodeConflict,
			"%s is open in another process (pid %d); stop the server before restoring", opts.DB, pid)
	}
	tmp, sum, err := copyBeside(snap, opts.DB)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp) // gone after the rename; cleans up on failure
	// The copy is what gets installed: check it too, so a change or a disk
	// error after the verification cannot slip in.
	if res.Verified && sum != want {
		return nil, memory.Errorf(memory.CodeInternal, "copy of %s does not match its manifest (changed during restore, or a disk error)", snap)
	}
	res.SHA256 = sum
	if res.Rows, _, err = inspectSQLite(ctx, tmp); err != nil && !opts.SkipVerify {
		return nil, err
	}
	if res.Previous, err = swapIn(tmp, opts.DB, opts.Now()); err != nil {
		return nil, err
	}
	return res, nil
}

// resolveFrom turns --from into a snapshot and its manifest path. A
// directory yields its newest snapshot with one of the extensions.
func resolveFrom(from string, exts []string) (snap, manifest string, err error) {
	fi, err := os.Stat(from)
	if err != nil {
		return "", "", memory.Errorf(memory.CodeNotFound, "backup %s: %v", from, errors.Unwrap(err))
	}
	if fi.IsDir() {
		stamps, snaps, err := listStamps(from)
		if err != nil {
			return "", "", err
		}
		for _, st := range stamps {
			if name := snaps[st]; slices.Contains(exts, filepath.Ext(name)) {
				return filepath.Join(from, name), filepath.Join(from, manifestName(st)), nil
			}
		}
		return "", "", memory.Errorf(memory.CodeNotFound, "no %s* snapshot (%s) in %s", snapshotPrefix, strings.Join(exts, ", "), from)
	}
	dir, name := filepath.Split(from)
	if strings.HasSuffix(name, manifestSuffix) {
		m, err := readManifest(from)
		if err != nil {
			return "", "", err
		}
		return filepath.Join(dir, filepath.Base(m.File)), from, nil
	}
	st, ok := stampOf(name)
	if !ok {
		// A renamed snapshot has no derivable manifest; verify will say so.
		return from, "", nil
	}
	return from, filepath.Join(dir, manifestName(st)), nil
}

// verify checks a SQLite snapshot against its manifest and SQLite's
// integrity check, and returns the verified sha256.
func verify(ctx context.Context, snap, manPath string) (string, error) {
	sum, err := verifyManifest(snap, manPath)
	if err != nil {
		return "", err
	}
	return sum, checkIntegrity(ctx, snap, false)
}

// verifyManifest checks a snapshot's name, size and sha256 against its
// manifest and returns the sha256.
func verifyManifest(snap, manPath string) (string, error) {
	if manPath == "" {
		return "", memory.Errorf(memory.CodeInvalid, "%s has no manifest (name is not %s<stamp>.db); use --skip-verify to restore it unchecked", snap, snapshotPrefix)
	}
	man, err := readManifest(manPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", memory.Errorf(memory.CodeInvalid, "manifest %s is missing; use --skip-verify to restore %s unchecked", manPath, snap)
	}
	if err != nil {
		return "", err
	}
	if man.File != filepath.Base(snap) {
		return "", memory.Errorf(memory.CodeInvalid, "manifest %s describes %s, not %s", manPath, man.File, filepath.Base(snap))
	}
	sum, size, err := fileDigest(snap)
	if err != nil {
		return "", err
	}
	if size != man.SizeBytes {
		return "", memory.Errorf(memory.CodeInvalid, "snapshot %s is %d bytes but its manifest says %d: truncated or replaced; refusing to restore",
			snap, size, man.SizeBytes)
	}
	if sum != man.SHA256 {
		return "", memory.Errorf(memory.CodeInvalid, "snapshot %s has sha256 %s but its manifest says %s: corrupted; refusing to restore",
			snap, sum, man.SHA256)
	}
	return sum, nil
}

// copyBeside copies src into a synced temporary file in the directory of
// dst (a rename is only atomic within one file system) and returns its
// path and sha256.
func copyBeside(src, dst string) (string, string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", "", err
	}
	in, err := os.Open(src)
	if err != nil {
		return "", "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".restore-*")
	if err != nil {
		return "", "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", "", err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", "", err
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return "", "", err
	}
	sum, _, err := fileDigest(out.Name())
	if err != nil {
		os.Remove(out.Name())
		return "", "", err
	}
	return out.Name(), sum, nil
}

// swapIn renames tmp over db. The old database is first hard-linked to
// db.pre-restore-<stamp> and its WAL moved beside that name (a WAL left by
// a crashed server holds committed rows, and applied to the new file it
// would corrupt it); the stale shared-memory index is removed. At every
// moment db names a complete database, old or new.
func swapIn(tmp, db string, now time.Time) (string, error) {
	var previous string
	if _, err := os.Stat(db); err == nil {
		previous = db + ".pre-restore-" + stamp(now)
		if err := os.Link(db, previous); err != nil {
			return "", fmt.Errorf("keep the current database as %s: %w", previous, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		if previous == "" {
			return "", memory.Errorf(memory.CodeConflict, "%s-wal exists without %s; move it away first", db, db)
		}
		if err := os.Rename(db+"-wal", previous+"-wal"); err != nil {
			return "", err
		}
	}
	if err := os.Remove(db + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.Rename(tmp, db); err != nil {
		return "", err
	}
	return previous, syncDir(filepath.Dir(db))
}

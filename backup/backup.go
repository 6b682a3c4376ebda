// Package backup writes verified snapshots of an ai-memory store and
// restores them. A SQLite snapshot is taken online with VACUUM INTO through
// the store (a consistent read transaction, writers keep going) and
// described by a manifest holding its sha256, size, row counts, schema
// version and node id. Restore refuses a snapshot that does not match its
// manifest or fails SQLite's integrity check, and swaps the verified copy
// into place with a rename, so the database path always names either the
// old or the new file, never a partial one.
package backup

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Snapshotter is a store that writes a consistent copy of itself to a new
// file (package sqlite's Store).
type Snapshotter interface {
	Backup(ctx context.Context, dst string) error
}

// Options configure a backup.
type Options struct {
	// Dir receives the snapshot and its manifest; it is created if missing.
	Dir string
	// Keep is how many snapshots (with their manifests) to keep in Dir,
	// newest first, counting the new one. At least 1.
	Keep int
	// NodeID is recorded in the manifest.
	NodeID string
	// Now stamps the snapshot; nil means the system clock.
	Now func() time.Time
}

// Result names what a backup wrote and removed.
type Result struct {
	Snapshot     string   `json:"snapshot"`
	ManifestPath string   `json:"manifest_path"`
	Manifest     Manifest `json:"manifest"`
	// Removed are the older snapshots and manifests rotation deleted.
	Removed []string `json:"removed"`
}

func (o *Options) check() error {
	if o.Dir == "" {
		return memory.Errorf(memory.CodeInvalid, "backup needs a target directory (--to)")
	}
	if o.Keep < 1 {
		return memory.Errorf(memory.CodeInvalid, "keep %d: want 1 or more", o.Keep)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return os.MkdirAll(o.Dir, 0o700)
}

// freeStamp returns a stamp no file in dir uses yet: two backups in one
// millisecond get consecutive stamps instead of colliding.
func freeStamp(dir string, now time.Time) (string, error) {
	for i := 0; i < 1000; i++ {
		st := stamp(now.Add(time.Duration(i) * time.Millisecond))
		taken := false
		for _, name := range []string{manifestName(st), snapshotPrefix + st + ".db", snapshotPrefix + st + ".pgdump", snapshotPrefix + st + ".json"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				taken = true
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
		if !taken {
			return st, nil
		}
	}
	return "", memory.Errorf(memory.CodeConflict, "no free snapshot name in %s", dir)
}

// SQLite snapshots a live SQLite store into opts.Dir. The copy is checked
// (quick_check) and counted before its manifest is written, so a manifest
// only ever describes a readable snapshot.
func SQLite(ctx context.Context, store Snapshotter, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	now := opts.Now().UTC()
	st, err := freeStamp(opts.Dir, now)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(opts.Dir, snapshotPrefix+st+".db")
	tmp := filepath.Join(opts.Dir, "."+filepath.Base(final)+".partial")
	os.Remove(tmp) // left by a backup that crashed; never a valid snapshot
	if err := store.Backup(ctx, tmp); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if err := checkIntegrity(ctx, tmp, true); err != nil {
		return nil, err
	}
	rows, version, err := inspectSQLite(ctx, tmp)
	if err != nil {
		return nil, err
	}
	man := Manifest{File: filepath.Base(final), Rows: rows, SchemaVersion: version, NodeID: opts.NodeID,
		CreatedAt: now, Method: MethodVacuumInto, Backend: "sqlite"}
	if man.SHA256, man.SizeBytes, err = fileDigest(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	ok = true
	return finish(final, man, opts)
}

// finish writes the manifest of a snapshot already in place and rotates.
func finish(snapshot string, man Manifest, opts Options) (*Result, error) {
	st, _ := stampOf(filepath.Base(snapshot))
	mpath := filepath.Join(opts.Dir, manifestName(st))
	data, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(mpath, append(data, '\n')); err != nil {
		return nil, err
	}
	removed, err := rotate(opts.Dir, opts.Keep)
	res := &Result{Snapshot: snapshot, ManifestPath: mpath, Manifest: man, Removed: removed}
	return res, err
}

package backup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Methods a manifest can name.
const (
	MethodVacuumInto    = "vacuum_into"    // SQLite VACUUM INTO from a live store
	MethodPgDump        = "pg_dump"        // pg_dump custom format
	MethodLogicalExport = "logical_export" // the engine's JSON export
)

// Manifest describes one snapshot. It sits beside the snapshot as
// <stamp>.manifest.json and is what restore verifies against.
type Manifest struct {
	File          string    `json:"file"`
	SHA256        string    `json:"sha256"`
	SizeBytes     int64     `json:"size_bytes"`
	Rows          RowCounts `json:"rows"`
	SchemaVersion int       `json:"schema_version"`
	NodeID        string    `json:"node_id"`
	CreatedAt     time.Time `json:"created_at"`
	Method        string    `json:"method"`
	Backend       string    `json:"backend"` // sqlite or postgres
}

// RowCounts are the rows inside a snapshot.
type RowCounts struct {
	// Memories counts memory rows by state (active, archived, deleted).
	Memories map[memory.State]int `json:"memories"`
	Links    int                  `json:"links"`   // live links
	Records  int                  `json:"records"` // live records
}

// File naming: ai-memory-<stamp>.<ext> and <stamp>.manifest.json, the stamp
// being UTC time to the millisecond so names sort by age.
const (
	snapshotPrefix = "ai-memory-"
	manifestSuffix = ".manifest.json"
	stampLayout    = "20060102T150405.000Z"
)

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func manifestName(st string) string { return st + manifestSuffix }

// stampOf extracts the stamp from a snapshot or manifest file name.
func stampOf(name string) (string, bool) {
	var st string
	switch {
	case strings.HasSuffix(name, manifestSuffix):
		st = strings.TrimSuffix(name, manifestSuffix)
	case strings.HasPrefix(name, snapshotPrefix):
		st = strings.TrimPrefix(name, snapshotPrefix)
		st = st[:max(0, len(st)-len(filepath.Ext(st)))]
	default:
		return "", false
	}
	if _, err := time.Parse(stampLayout, st); err != nil {
		return "", false
	}
	return st, true
}

// snapshotExts are the snapshot file types, one per method.
var snapshotExts = map[string]bool{".db": true, ".pgdump": true, ".json": true}

// listStamps returns the stamps present in dir, newest first, with the
// snapshot file of each ("" when only a manifest is left).
func listStamps(dir string) ([]string, map[string]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	snaps := map[string]string{}
	seen := map[string]bool{}
	var stamps []string
	for _, e := range ents {
		name := e.Name()
		st, ok := stampOf(name)
		if !ok || e.IsDir() {
			continue
		}
		if strings.HasPrefix(name, snapshotPrefix) {
			if !snapshotExts[filepath.Ext(name)] {
				continue
			}
			snaps[st] = name
		}
		if !seen[st] {
			seen[st] = true
			stamps = append(stamps, st)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(stamps)))
	return stamps, snaps, nil
}

// rotate keeps the keep newest snapshots of dir with their manifests and
// removes the rest, returning the removed paths.
func rotate(dir string, keep int) ([]string, error) {
	stamps, snaps, err := listStamps(dir)
	if err != nil {
		return nil, err
	}
	removed := []string{}
	for _, st := range stamps[min(keep, len(stamps)):] {
		for _, name := range []string{snaps[st], manifestName(st)} {
			if name == "" {
				continue
			}
			p := filepath.Join(dir, name)
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return removed, err
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}

// readManifest loads and sanity-checks a manifest.
func readManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "manifest %s is not valid JSON: %v", path, err)
	}
	if m.File == "" || len(m.SHA256) != 64 || m.SizeBytes <= 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "manifest %s lacks file, sha256 or size_bytes", path)
	}
	return &m, nil
}

// writeFileAtomic writes data to path through a synced temporary file in
// the same directory and a rename, so readers see the old file or the
// whole new one.
func writeFileAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

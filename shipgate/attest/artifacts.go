package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Files in a run directory that are not evidence: the envelope itself, and
// the rendered page, which is a view re-generated from the artifacts (the
// dashboard rebuild rewrites it) and so cannot be pinned by the signature.
const (
	VerdictFile = "verdict.dsse.json"
	PageFile    = "index.html"
)

// IsEvidence reports whether a run-relative slash path is signed evidence.
func IsEvidence(rel string) bool { return rel != VerdictFile && rel != PageFile }

// FileSHA256 returns the hex sha256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HashArtifacts digests every evidence file under dir (recursively), named
// by slash path relative to dir and sorted by name. Anything that is not a
// regular file or directory (a symlink, a socket) is an error: a link could
// point the digest at a file outside the run.
func HashArtifacts(dir string) ([]ResourceDescriptor, error) {
	var out []ResourceDescriptor
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("artifact %s is not a regular file (%s)", rel, d.Type())
		}
		if !IsEvidence(rel) {
			return nil
		}
		sum, err := FileSHA256(path)
		if err != nil {
			return err
		}
		out = append(out, ResourceDescriptor{Name: rel, Digest: map[string]string{"sha256": sum}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

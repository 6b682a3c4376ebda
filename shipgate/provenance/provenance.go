// Package provenance records exactly what a campaign tested: the binary's
// digest, its own version and build information, the checkout, the
// toolchain, the machine and the harness.
package provenance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/aimemory/ai-memory/shipgate/report"
)

// HarnessVersion is the version of ship-gate's campaign rules.
const HarnessVersion = "ship-gate 0.1.0"

// Collect builds the provenance of binary, tested from the checkout at src.
func Collect(ctx context.Context, binary, src, provider string, args []string) (*report.Provenance, error) {
	p := &report.Provenance{
		BinaryName: filepath.Base(binary), BinaryPath: binary, GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), Provider: provider, Args: args,
		HarnessVersion: harnessVersion(),
	}
	sum, err := SHA256(binary)
	if err != nil {
		return nil, err
	}
	p.BinarySHA256 = sum
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", binary, err)
	}
	p.Version = strings.TrimSpace(string(out))
	if bi, err := buildinfo.ReadFile(binary); err == nil {
		p.BinaryGoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				p.BinaryVCSRevision = s.Value
			case "vcs.modified":
				p.BinaryVCSModified = s.Value == "true"
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", src, "rev-parse", "HEAD").Output(); err == nil {
		p.GitCommit = strings.TrimSpace(string(out))
		st, _ := exec.CommandContext(ctx, "git", "-C", src, "status", "--porcelain", "--untracked-files=no").Output()
		p.GitDirty = len(bytes.TrimSpace(st)) > 0
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		p.Kernel = cstr(u.Sysname[:]) + " " + cstr(u.Release[:])
	}
	p.Host, _ = os.Hostname()
	return p, nil
}

// SHA256 is the hex digest of a file.
func SHA256(path string) (string, error) {
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

func harnessVersion() string {
	v := HarnessVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " (" + s.Value + ")"
			}
		}
	}
	return v
}

func cstr(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

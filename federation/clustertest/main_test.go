package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the ai-memory executable built for this run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clustertest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "ai-memory")
	build := exec.Command("go", "build", "-o", binary, "github.com/aimemory/ai-memory/cmd/ai-memory")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ai-memory:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// childEnv makes the test binary act as a writer process (see TestMain).
const childEnv = "AIMEMORY_SQLITE_WRITER_CHILD"

const (
	childRows    = 5000
	childWorkers = 4
)

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(runWriterChild(path, os.Getenv(childEnv+"_NAME")))
	}
	code := m.Run()
	removeBenchDir()
	os.Exit(code)
}

// runWriterChild applies childRows memories, one per Apply, from
// childWorkers goroutines, and reports failures on stderr.
func runWriterChild(path, name string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 2
	}
	var failed atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	for w := range childWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < childRows; i += childWorkers {
				now := time.Now().UTC()
				m := memory.Memory{
					ID: memory.NewID(now), Tier: memory.TierMid, Namespace: name, Title: name + " " + strconv.Itoa(i),
					Content: "written by a concurrent process", Priority: 5, Confidence: 1, Source: "test",
					CreatedAt: now, UpdatedAt: now, State: memory.StateActive, Origin: name, Version: memory.MakeHLC(now.UnixMilli(), 0),
				}
				res, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}})
				if err != nil || res.Memories != 1 {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "apply %d: %+v %v\n", i, res, err)
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		return 2
	}
	if failed.Load() > 0 {
		return 1
	}
	return 0
}

// TestTwoProcessesWriteOneFile runs two real processes applying single
// memories into one file at once: nothing may be lost, no write may fail,
// and the change sequence must stay gapless across both.
func TestTwoProcessesWriteOneFile(t *testing.T) {
	t.Parallel() // mostly waits on fsync and the file lock
	path := filepath.Join(t.TempDir(), "shared.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"proc-a", "proc-b"}
	cmds := make([]*exec.Cmd, len(names))
	outs := make([]*bytes.Buffer, len(names))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // generous: CI machines are shared
	defer cancel()
	for i, name := range names {
		cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+path, childEnv+"_NAME="+name)
		// One writer for both streams: exec then writes from one goroutine.
		outs[i] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		cmds[i] = cmd
	}
	start := time.Now()
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, cmd := range cmds {
			if cmd.ProcessState == nil && cmd.Process != nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
		}
	})
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", names[i], err, outs[i].String())
		}
	}
	elapsed := time.Since(start)
	t.Logf("2 processes × %d single-row applies: %v (%.0f rows/s)", childRows, elapsed.Round(time.Millisecond),
		float64(2*childRows)/elapsed.Seconds())

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := context.Background()
	for _, name := range names {
		if n, err := s.CountMemories(c, memory.ListQuery{Namespace: name}); err != nil || n != childRows {
			t.Fatalf("%s wrote %d rows, want %d (%v)", name, n, childRows, err)
		}
	}
	// Every row got its own sequence number, with no gap and no reuse.
	var after int64
	seen := map[string]bool{}
	for {
		cs, err := s.Changes(c, after, MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cs.Memories {
			if seen[m.ID] {
				t.Fatalf("%s appears twice in changes", m.ID)
			}
			seen[m.ID] = true
		}
		after = cs.NextSeq
		if !cs.More {
			break
		}
	}
	if len(seen) != 2*childRows || after != 2*childRows {
		t.Fatalf("changes: %d rows, last seq %d; want %d and %d", len(seen), after, 2*childRows, 2*childRows)
	}
}

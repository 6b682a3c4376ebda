package backup

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/sqlite"
)

// The test binary doubles as the helper processes the tests need: a writer
// hammering a database from another process, and a holder keeping one open.
func TestMain(m *testing.M) {
	switch os.Getenv("BACKUP_TEST_CHILD") {
	case "writer":
		os.Exit(runWriter(os.Getenv("BACKUP_TEST_DB")))
	case "holder":
		os.Exit(runHolder(os.Getenv("BACKUP_TEST_DB")))
	}
	pgtest.Main(m)
}

// writers is how many goroutines of the writer process store memories.
const writers = 4

// runWriter stores memories from 4 goroutines through the engine and
// prints "ack <id>" once each store has returned (is durable), until its
// stdin closes or a minute passes.
func runWriter(db string) int {
	st, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	eng := engine.New(st, engine.Options{NodeID: "writer"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				res, err := eng.Store(ctx, engine.NewMemory{Namespace: "load", Title: fmt.Sprintf("writer %d note %d", g, n),
					Content: fmt.Sprintf("payload %d/%d written while a backup may be running", g, n), Tags: []string{"load"}})
				if err != nil {
					continue // only the cancelled context fails here; nothing is acknowledged
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %s\n", res.Memory.ID)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 0
}

// runHolder keeps db open until stdin closes.
func runHolder(db string) int {
	st, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// child is a helper process started from the test binary.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

func startChild(t *testing.T, mode, db string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BACKUP_TEST_CHILD="+mode, "BACKUP_TEST_DB="+db)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	t.Cleanup(func() { c.stop() })
	return c
}

// stop closes the child's stdin (its signal to finish) and waits for it,
// killing it if it does not exit within 10 s.
func (c *child) stop() error {
	c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		return <-done
	}
}

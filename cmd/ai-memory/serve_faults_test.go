package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

const unsafeFlag = "--unsafe-fault-injection"

// post creates a memory and returns its JSON, failing unless 201.
func post(t *testing.T, s *server, title, content string) map[string]any {
	t.Helper()
	code, m := httpJSON(t, "POST", s.url+"/api/v1/memories", map[string]any{"title": title, "content": content, "namespace": "f"})
	if code != 201 {
		t.Fatalf("create %q: %d %v", title, code, m)
	}
	return m
}

func versionOf(t *testing.T, m map[string]any) memory.HLC {
	t.Helper()
	s, _ := m["version"].(string)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("version of %v: %v", m, err)
	}
	return memory.HLC(v)
}

// The clock control exists only with --unsafe-fault-injection; there it
// reads and moves the clock at once, both ways, without a restart.
func TestFaultClockEndpoint(t *testing.T) {
	safe := startServe(t, filepath.Join(t.TempDir(), "safe.db"))
	for _, m := range []string{"GET", "POST"} {
		if code, _ := httpJSON(t, m, safe.url+"/api/v1/fault/clock", map[string]any{"offset": "1h"}); code != 404 {
			t.Errorf("%s /api/v1/fault/clock without the flag: %d, want 404", m, code)
		}
	}

	s := startServe(t, filepath.Join(t.TempDir(), "clock.db"), unsafeFlag, "--fault", "clock-skew=90s")
	clock := func(method string, body any) map[string]any {
		t.Helper()
		code, got := httpJSON(t, method, s.url+"/api/v1/fault/clock", body)
		if code != 200 {
			t.Fatalf("%s clock %v: %d %v", method, body, code, got)
		}
		return got
	}
	near := func(got map[string]any, offset time.Duration) {
		t.Helper()
		now, err := time.Parse(time.RFC3339Nano, fmt.Sprint(got["now"]))
		if err != nil || got["offset"] != offset.String() || now.Sub(time.Now().Add(offset)).Abs() > time.Minute {
			t.Fatalf("clock %v (%v), want offset %v and now near %v", got, err, offset, time.Now().Add(offset))
		}
	}
	near(clock("GET", nil), 90*time.Second)
	before := post(t, s, "before", "x")
	near(clock("POST", map[string]any{"offset": "-2h"}), -2*time.Hour)
	near(clock("GET", nil), -2*time.Hour)
	after := post(t, s, "after", "x")
	if created, err := time.Parse(time.RFC3339Nano, fmt.Sprint(after["created_at"])); err != nil || created.Sub(time.Now().Add(-2*time.Hour)).Abs() > time.Minute {
		t.Errorf("created_at %v (%v) after a -2h offset", after["created_at"], err)
	}
	if versionOf(t, after) <= versionOf(t, before) {
		t.Errorf("version went back with the clock: %v then %v", versionOf(t, before), versionOf(t, after))
	}
	near(clock("POST", map[string]any{"offset": "0s"}), 0)
	for _, bad := range []any{map[string]any{"offset": "soon"}, map[string]any{}, map[string]any{"offset": "1h", "x": 1}} {
		if code, got := httpJSON(t, "POST", s.url+"/api/v1/fault/clock", bad); code != 400 {
			t.Errorf("POST clock %v: %d %v, want 400", bad, code, got)
		}
	}
}

// A node restarted with its clock set back still issues greater versions
// than before: engine.Open seeds the clock from the store. (Processes, to
// be killed.)
func TestRestartWithClockSetBackKeepsVersionsIncreasing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seed.db")
	s := startServeProcess(t, db, unsafeFlag, "--fault", "clock-skew=1h")
	ahead := versionOf(t, post(t, s, "written an hour ahead", "x"))
	s.kill(t, syscall.SIGKILL)
	for _, args := range [][]string{nil, {unsafeFlag, "--fault", "clock-skew=-1h"}} {
		s := startServeProcess(t, db, args...)
		if v := versionOf(t, post(t, s, "after restart "+strings.Join(args, " "), "x")); v <= ahead {
			t.Errorf("restart %v issued %v, not above %v issued before", args, v, ahead)
		}
		s.kill(t, syscall.SIGKILL)
	}
}

// A client retry (same title, same content after a lost answer) updates
// the memory, or adds a second copy under retry-duplicates.
func TestFaultRetryDuplicatesOverHTTP(t *testing.T) {
	for _, on := range []bool{false, true} {
		var args []string
		if on {
			args = []string{unsafeFlag, "--fault", "retry-duplicates"}
		}
		s := startServe(t, filepath.Join(t.TempDir(), "retry.db"), args...)
		first := post(t, s, "retried", "same body")["id"]
		second := post(t, s, "retried", "same body")["id"]
		_, list := httpJSON(t, "GET", s.url+"/api/v1/memories?namespace=f", nil)
		if dup := first != second; dup != on || list["count"] != map[bool]float64{false: 1, true: 2}[on] {
			t.Errorf("retry-duplicates=%v: ids %v and %v, %v listed", on, first, second, list["count"])
		}
		if on {
			if changed := post(t, s, "retried", "new body")["id"]; changed != first && changed != second {
				t.Error("a store with new content must still update, not add a copy")
			}
		}
	}
}

// A node that imported a version from a clock an hour ahead, read it and
// then updated it orders the update after it, unless hlc-ignore-remote
// makes the clock forget the version: then the update is stamped lower and
// last-writer-wins keeps the old content, though the update answered 200.
func TestFaultHLCIgnoreRemoteLosesUpdateAfterRead(t *testing.T) {
	for _, on := range []bool{false, true} {
		var args []string
		if on {
			args = []string{unsafeFlag, "--fault", "hlc-ignore-remote"}
		}
		s := startServe(t, filepath.Join(t.TempDir(), "hlc.db"), args...)
		now := time.Now().UTC().Truncate(time.Millisecond)
		id := memory.NewID(now)
		ahead := memory.MakeHLC(now.Add(time.Hour).UnixMilli(), 0)
		peer := map[string]any{"id": id, "tier": "long", "namespace": "f", "title": "from a fast peer", "content": "old",
			"tags": []string{}, "priority": 5, "confidence": 1, "source": "api", "metadata": map[string]any{},
			"created_at": now, "updated_at": now, "state": "active", "origin": "node-peer", "version": ahead}
		if code, got := httpJSON(t, "POST", s.url+"/api/v1/import", map[string]any{"memories": []any{peer}, "links": []any{}}); code != 200 || got["imported"] != 1.0 {
			t.Fatalf("import: %d %v", code, got)
		}
		if code, got := httpJSON(t, "GET", s.url+"/api/v1/memories/"+id, nil); code != 200 {
			t.Fatalf("read: %d %v", code, got)
		}
		if code, got := httpJSON(t, "PUT", s.url+"/api/v1/memories/"+id, map[string]any{"content": "new"}); code != 200 {
			t.Fatalf("update: %d %v", code, got)
		}
		_, got := httpJSON(t, "GET", s.url+"/api/v1/memories/"+id, nil)
		content := got["memory"].(map[string]any)["content"]
		if want := map[bool]string{false: "new", true: "old"}[on]; content != want {
			t.Errorf("hlc-ignore-remote=%v: content %q after the update, want %q", on, content, want)
		}
	}
}

// Every acknowledged write is fsynced; under skip-fsync none is (counted
// with strace on the serving process), yet a SIGKILL loses nothing: the
// writes are in the page cache, only a power cut would lose them. The
// server is a process, to be traced and killed.
func TestFaultSkipFsync(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("counting sync calls needs strace")
	}
	const writes = 10
	for _, on := range []bool{false, true} {
		var args []string
		if on {
			args = []string{unsafeFlag, "--fault", "skip-fsync"}
		}
		db := filepath.Join(t.TempDir(), "sync.db")
		s := startServeProcess(t, db, args...)
		var ids []string
		syncs := countSyncs(t, s.cmd.Process.Pid, func() {
			for i := range writes {
				ids = append(ids, post(t, s, fmt.Sprint("w", i), "x")["id"].(string))
			}
		})
		if on && syncs != 0 || !on && syncs < writes {
			t.Errorf("skip-fsync=%v: %d sync calls for %d acknowledged writes", on, syncs, writes)
		}
		s.kill(t, syscall.SIGKILL)
		s = startServe(t, db)
		for _, id := range ids {
			if code, got := httpJSON(t, "GET", s.url+"/api/v1/memories/"+id, nil); code != 200 {
				t.Fatalf("skip-fsync=%v: %s lost by a SIGKILL: %d %v", on, id, code, got)
			}
		}
	}
}

// countSyncs traces process pid's fsync and fdatasync calls while f runs.
func countSyncs(t *testing.T, pid int, f func()) int {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command("strace", "-f", "-e", "trace=fsync,fdatasync", "-e", "signal=none", "-o", out, "-p", strconv.Itoa(pid))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("strace: %v", err)
	}
	// strace reports "Process PID attached with N threads" once it traces
	// every thread of the process.
	attached := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Process "+strconv.Itoa(pid)+" attached") {
				attached <- true
			}
		}
		close(attached)
	}()
	if ok := <-attached; !ok {
		cmd.Wait()
		t.Skip("strace could not attach to the server")
	}
	f()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	file, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	n := 0
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "sync(") {
			n++
		}
	}
	return n
}

package lazyfs

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"modernc.org/sqlite"
)

// sqliteWriter is the helper process: it inserts rows into LAZYFS_DB, one
// transaction each, printing each id once its commit returned, until it
// is killed (or has written 100000). It opens the database as the
// ai-memory store does: WAL, fdatasync, synchronous as LAZYFS_SYNC says.
func sqliteWriter() {
	sqlite.Fdatasync(true)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "sqlite-writer:", err)
		os.Exit(1)
	}
	// A small checkpoint threshold, so a few thousand commits run many
	// checkpoints and the kill may land in one.
	db, err := sql.Open("sqlite", os.Getenv("LAZYFS_DB")+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(64)")
	if err != nil {
		fail(err)
	}
	db.SetMaxOpenConns(1) // so the pragma below holds for every insert
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		fail(err)
	}
	if _, err := db.Exec("PRAGMA synchronous = " + os.Getenv("LAZYFS_SYNC")); err != nil {
		fail(err)
	}
	pad := strings.Repeat("x", 300)
	for id := 1; id <= 100000; id++ {
		if _, err := db.Exec("INSERT INTO t (id, v) VALUES (?, ?)", id, pad); err != nil {
			fail(err)
		}
		fmt.Println(id)
	}
	select {} // wait for the kill
}

// writeThenKill runs a writer on the mount, SIGKILLs it once it has
// acknowledged n rows, and returns every id it acknowledged.
func writeThenKill(t *testing.T, db, sync string, n int) []int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sqlite-writer", "LAZYFS_DB="+db, "LAZYFS_SYNC="+sync)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	var acked []int
	sc := bufio.NewScanner(out)
	for sc.Scan() { // ends when the writer dies: every ack it printed is read
		id, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("writer said %q", sc.Text())
		}
		acked = append(acked, id)
		if len(acked) == n {
			cmd.Process.Signal(syscall.SIGKILL) // mid-write: it keeps inserting
		}
	}
	if len(acked) < n {
		t.Fatalf("writer stopped after %d rows", len(acked))
	}
	return acked
}

// readBack opens the database after the cut, as a restarted node would,
// and returns its ids and integrity_check verdict.
func readBack(t *testing.T, path string) (map[int]bool, string) {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int]bool{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	return ids, check
}

func TestSQLiteWALSurvivesCut(t *testing.T) {
	m := mountT(t)
	start := time.Now()
	acked := writeThenKill(t, m.path("db"), "FULL", 3000)
	t.Logf("%d commits in %s", len(acked), time.Since(start))
	cs := m.do(t, "cut").Cut
	t.Logf("cut: %+v; %+v", *cs, *m.do(t, "stats").Stats)
	ids, check := readBack(t, m.path("db"))
	if check != "ok" {
		t.Fatalf("integrity_check after cut: %s", check)
	}
	for _, id := range acked {
		if !ids[id] {
			t.Fatalf("acknowledged row %d lost by the cut (%d of %d acked rows present)", id, len(ids), len(acked))
		}
	}
}

// The negative control: a writer that never syncs must lose acknowledged
// rows, or the cut is not dropping anything.
func TestSQLiteWithoutSyncLosesRows(t *testing.T) {
	m := mountT(t)
	acked := writeThenKill(t, m.path("db"), "OFF", 3000)
	cs := m.do(t, "cut").Cut
	ids, check := readBack(t, m.path("db"))
	lost := 0
	for _, id := range acked {
		if !ids[id] {
			lost++
		}
	}
	t.Logf("synchronous=OFF: %d of %d acknowledged rows lost; cut %+v; integrity_check %s", lost, len(acked), *cs, check)
	if lost == 0 {
		t.Fatal("no acknowledged row lost without fsync: the cut is not sensitive")
	}
}

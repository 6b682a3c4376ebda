package pgtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestStartConnectStop(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("skipped: " + EnvURL + " points at an external server; this test checks the server pgtest starts")
	}
	ctx := context.Background()
	srv, err := Start(ctx, Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	pid, dir := srv.PID(), srv.Dir()
	if pid <= 0 || dir == "" {
		t.Fatalf("pid %d dir %q", pid, dir)
	}
	if !strings.HasPrefix(srv.URL("x"), "postgres://postgres@127.0.0.1:") {
		t.Fatalf("URL %s is not on loopback", srv.URL("x"))
	}
	if os.Geteuid() == 0 {
		if uid := processUID(t, pid); uid == 0 {
			t.Fatalf("postgres runs as root")
		}
	}

	if err := srv.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, srv.URL("app"))
	if err != nil {
		t.Fatal(err)
	}
	var db, enc string
	if err := conn.QueryRow(ctx, "SELECT current_database(), pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").Scan(&db, &enc); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if db != "app" || enc != "UTF8" {
		t.Fatalf("database %q encoding %q", db, enc)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("data dir %s still there: %v", dir, err)
	}
	if alive(pid) {
		t.Fatalf("postgres pid %d still running", pid)
	}
	if err := syscall.Kill(-pid, 0); err != syscall.ESRCH {
		t.Fatalf("process group %d still has members: %v", pid, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestNewGivesIsolatedSchemas(t *testing.T) {
	ctx := context.Background()
	a, b := New(t), New(t)
	if a == b {
		t.Fatalf("same database twice: %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var visible bool
	if err := cb.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&visible); err != nil {
		t.Fatal(err)
	}
	if visible {
		t.Fatalf("b sees a's table")
	}
	if _, err := cb.Exec(ctx, "CREATE TABLE only_in_a (y int)"); err != nil {
		t.Fatalf("b cannot create a table named like a's: %v", err)
	}
}

// TestServerDiesWithParent kills (SIGKILL) a process that started a server
// and checks the server goes too, so a crashed test run leaves none behind.
func TestServerDiesWithParent(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("skipped: " + EnvURL + " points at an external server; nothing is started here")
	}
	child := exec.Command(os.Args[0], "-test.run=^TestHelperStartAndWait$", "-test.v")
	child.Env = append(os.Environ(), "PGTEST_HELPER=1")
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })

	var pid int
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "SERVER %d %s", &pid, &dir); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatal("helper did not report a server")
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // the killed helper cannot

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatalf("postgres %d survived its parent", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHelperStartAndWait(t *testing.T) {
	if os.Getenv("PGTEST_HELPER") != "1" {
		t.Skip("skipped: helper process for TestServerDiesWithParent")
	}
	srv, err := Start(context.Background(), Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("SERVER %d %s\n", srv.PID(), srv.Dir())
	time.Sleep(time.Minute) // killed by the parent long before
	srv.Stop()
}

// alive reports whether pid runs and is not a zombie (a container's init
// may not reap orphans promptly).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func processUID(t *testing.T, pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uid
		}
	}
	t.Fatal("no Uid in /proc status")
	return -1
}

// TestFromEnvUsesTheNamedServer: with EnvURL set nothing is started, and
// Stop leaves the external server alone.
func TestFromEnvUsesTheNamedServer(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("skipped: " + EnvURL + " is already set for the whole run")
	}
	ctx := context.Background()
	owner, err := Start(ctx, Options{NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Stop() })
	t.Setenv(EnvURL, owner.URL("postgres"))
	ext, err := FromEnv(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ext.PID() != 0 || ext.Dir() != "" {
		t.Fatalf("FromEnv started a server: pid %d dir %q", ext.PID(), ext.Dir())
	}
	if err := ext.CreateDatabase(ctx, "via_env"); err != nil {
		t.Fatal(err)
	}
	if err := ext.Stop(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, owner.URL("via_env"))
	if err != nil {
		t.Fatalf("external server gone after Stop: %v", err)
	}
	conn.Close(ctx)
	t.Setenv(EnvURL, "mysql://127.0.0.1/x")
	if _, err := FromEnv(ctx, Options{}); err == nil {
		t.Fatal("FromEnv accepted a non-postgres URL")
	}
}

// An immediate stop loses no acknowledged commit when SyncCommit keeps
// synchronous_commit on, and Restart brings the same cluster back on the
// same URL.
func TestStopImmediateAndRestartKeepCommits(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Skip("uses a server of its own; " + EnvURL + " points at an external one")
	}
	ctx := context.Background()
	s, err := Start(ctx, Options{NoFsync: true, SyncCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 500)"); err != nil {
		t.Fatal(err)
	}
	if err := s.StopImmediate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a connection survived the immediate stop")
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 500 {
		t.Fatalf("after restart: %d rows (%v), want 500", n, err)
	}
}

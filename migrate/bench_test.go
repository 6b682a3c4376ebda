package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/pgtest"
)

// TestBenchMigrate100k measures a 100 000-memory migration SQLite →
// PostgreSQL and back (about 150 000 rows each way with links and records).
// Each direction runs in its own process so its peak RSS is its own. The
// PostgreSQL server runs with fsync on. Minutes of work, so it runs only
// with AI_MEMORY_BENCH=1:
//
//	AI_MEMORY_BENCH=1 go test ./migrate -run TestBenchMigrate100k -v -timeout 30m
func TestBenchMigrate100k(t *testing.T) {
	if os.Getenv("AI_MEMORY_BENCH") != "1" {
		t.Skip("skipped: benchmark; set AI_MEMORY_BENCH=1")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("AI_MEMORY_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	srv, err := pgtest.FromEnv(ctx, pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	db := fmt.Sprintf("bench%d", os.Getpid())
	if err := srv.CreateDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.DropDatabase(context.Background(), db) })
	srcURL, pgURL, backURL := sqliteURL(t, "src.db"), srv.URL(db), sqliteURL(t, "back.db")

	src := openURL(t, srcURL)
	start := time.Now()
	f := seed(t, src, n)
	t.Logf("seeded %d memories, %d links, %d records into SQLite in %v", f.memories, f.links, f.records, time.Since(start).Round(time.Millisecond))
	rows := f.memories + f.links + f.records

	for _, leg := range []struct{ name, from, to string }{
		{"SQLite → PostgreSQL", srcURL, pgURL},
		{"PostgreSQL → SQLite", pgURL, backURL},
	} {
		child := exec.Command(os.Args[0], "-test.run=^TestHelperBenchLeg$")
		child.Env = append(os.Environ(), "MIGRATE_BENCH_FROM="+leg.from, "MIGRATE_BENCH_TO="+leg.to)
		child.Stderr = os.Stderr
		serverCPU := serverCPUSecs(t, srv.PID())
		out, err := child.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", leg.name, err, out)
		}
		clientCPU := (child.ProcessState.UserTime() + child.ProcessState.SystemTime()).Seconds()
		// The child's connections are closed; give the postmaster a moment
		// to reap their backends so their CPU time is counted.
		time.Sleep(500 * time.Millisecond)
		serverCPU = serverCPUSecs(t, srv.PID()) - serverCPU
		var res benchLeg
		line := out[strings.LastIndex(string(out), "BENCH ")+len("BENCH "):]
		if err := json.Unmarshal([]byte(strings.SplitN(string(line), "\n", 2)[0]), &res); err != nil {
			t.Fatalf("%s: helper output %q: %v", leg.name, out, err)
		}
		if res.Report.Read != n || res.Report.Written != n || len(res.Report.Errors) != 0 || !res.Report.ContentDigest.Match() {
			t.Fatalf("%s: report %+v", leg.name, res.Report)
		}
		load, _ := os.ReadFile("/proc/loadavg")
		t.Logf("%s: %d rows (%d memories) copied in %.2fs = %.0f rows/s (%.0f memories/s); destination digest %.2fs more; peak RSS %d MiB",
			leg.name, rows, n, res.CopySecs, float64(rows)/res.CopySecs, float64(n)/res.CopySecs,
			res.TotalSecs-res.CopySecs, res.PeakRSSKiB/1024)
		t.Logf("%s: CPU %.1fs in the migrating process + %.1fs in PostgreSQL = %.0f rows per CPU-second (whole run, digests included); load average %s",
			leg.name, clientCPU, serverCPU, float64(rows)/(clientCPU+serverCPU), strings.Fields(string(load))[0])
	}
}

type benchLeg struct {
	Report     Report  `json:"report"`
	CopySecs   float64 `json:"copy_secs"`  // until the last batch was applied
	TotalSecs  float64 `json:"total_secs"` // including the destination digest
	PeakRSSKiB int64   `json:"peak_rss_kib"`
}

// TestHelperBenchLeg is one direction of TestBenchMigrate100k.
func TestHelperBenchLeg(t *testing.T) {
	from, to := os.Getenv("MIGRATE_BENCH_FROM"), os.Getenv("MIGRATE_BENCH_TO")
	if from == "" {
		t.Skip("skipped: helper process for TestBenchMigrate100k")
	}
	src, dst := openURL(t, from), openURL(t, to)
	start := time.Now()
	var copied time.Duration
	rep, err := Run(context.Background(), src, dst, Options{Batch: DefaultBatch,
		OnBatch: func(Report) { copied = time.Since(start) }})
	total := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	res := benchLeg{Report: rep, CopySecs: copied.Seconds(), TotalSecs: total.Seconds(), PeakRSSKiB: peakRSSKiB(t)}
	js, _ := json.Marshal(res)
	fmt.Printf("BENCH %s\n", js)
}

// serverCPUSecs is the CPU time of a PostgreSQL server we started: the
// postmaster's own plus that of its exited (reaped) backends; 0 for an
// external server.
func serverCPUSecs(t *testing.T, pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the ")" closing the command name: utime is the 12th,
	// stime, cutime, cstime follow (clock ticks, USER_HZ = 100 on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return float64(ticks) / 100
}

// peakRSSKiB is this process's high-water resident set (VmHWM).
func peakRSSKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

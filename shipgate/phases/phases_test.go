package phases

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
	_ "modernc.org/sqlite"
)

// Built once from this checkout by TestMain: the node binary, and
// ship-gate for the disk layer's child processes.
var aiMemory, shipGate string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "phases-test-")
	if err != nil {
		panic(err)
	}
	_, file, _, _ := runtime.Caller(0)
	aiMemory = filepath.Join(dir, "ai-memory")
	shipGate = filepath.Join(dir, "ship-gate")
	for bin, pkg := range map[string]string{aiMemory: "./cmd/ai-memory", shipGate: "./cmd/ship-gate"} {
		b := exec.Command("go", "build", "-o", bin, pkg)
		b.Dir = filepath.Join(filepath.Dir(file), "..", "..")
		if out, err := b.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			panic("build " + pkg + ": " + err.Error() + "\n" + string(out))
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type testProgress struct{ t *testing.T }

func (p testProgress) Set(string, string)         {}
func (p testProgress) Logf(f string, args ...any) { p.t.Logf(f, args...) }

// small is a reduced campaign that still exercises every mechanism.
func small() config.Campaign {
	c := config.Default()
	c.Phase2.WritesPerAgent = 10
	c.Phase2.SettleMax = config.Duration(5 * time.Second)
	c.Phase2.RejoinMax = config.Duration(10 * time.Second)
	c.Phase4.Cycles = 1
	c.Phase4.MinEffectiveCycles = 1
	c.Phase4.FaultMax = config.Duration(time.Second)
	c.Phase4.SettleMax = config.Duration(10 * time.Second)
	return c
}

func newEnv(t *testing.T, c config.Campaign) *Env {
	t.Helper()
	sup, err := cluster.NewSupervisor(filepath.Join(t.TempDir(), "state.json"), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	// Postgres runs unprivileged and must traverse the work directory.
	os.Chmod(filepath.Dir(work), 0o755)
	os.Chmod(work, 0o755)
	t.Cleanup(func() { sup.Close() })
	e := &Env{Cfg: c, Sup: sup, Provider: cluster.Local{}, Binary: aiMemory, ShipGate: shipGate, Version: "test",
		RunDir: t.TempDir(), WorkDir: work, Clock: history.NewClock(), Progress: testProgress{t}, Host: "test"}
	t.Cleanup(e.StopPostgres)
	return e
}

// needFederation skips when the binary's serve has no quorum flags yet:
// phases 2 and 4 need a federated cluster.
func needFederation(t *testing.T) {
	t.Helper()
	out, _ := exec.Command(aiMemory, "serve", "--help").CombinedOutput()
	if !strings.Contains(string(out), "--quorum-writes") || !strings.Contains(string(out), "--fault") {
		t.Skip("this checkout's ai-memory serve has no --quorum-writes/--fault yet; phases 2 and 4 need federation")
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func reasons(rs []string) string { return strings.Join(rs, "\n") }

func TestPhase1Green(t *testing.T) {
	e := newEnv(t, small())
	for _, r := range Phase1(ctx(t), e) {
		if !r.Pass {
			t.Errorf("node %s: %s\nsteps: %+v", r.Node, reasons(r.Reasons), r.Steps)
		}
	}
}

func TestPhase1RedWhenBinaryIsBroken(t *testing.T) {
	// A binary that does nothing must fail every check, not pass vacuously.
	e := newEnv(t, small())
	e.Binary = "/bin/true"
	for _, r := range Phase1(ctx(t), e) {
		if r.Pass || len(r.Reasons) < 5 {
			t.Fatalf("node %s passed with /bin/true: %v", r.Node, r.Reasons)
		}
	}
}

func TestPhase2GreenOnCleanTrio(t *testing.T) {
	needFederation(t)
	e := newEnv(t, small())
	r := Phase2(ctx(t), e)
	if !r.Pass {
		t.Fatalf("clean trio red: %s", reasons(r.Reasons))
	}
	if r.OK != 40 || r.Counts["b"] != 40 || r.Probe1 != "201" || r.Probe2 != "503" || !r.Rejoin.Complete ||
		!r.Consolidation.Converged || !r.Durability.Survived || r.Rejoin.Acked != 40-3+1+100+1 || len(r.Durability.Acked) != 100 {
		t.Fatalf("unexpected measurements: %+v", r)
	}
	ops, err := history.Load(filepath.Join(e.RunDir, Phase2History))
	if err != nil || len(history.AckedIDs(ops, -1)) != 40 {
		t.Fatalf("history: %v, %d acked", err, len(history.AckedIDs(ops, -1)))
	}
}

func TestPhase2RedWithCancelFanoutAfterQuorum(t *testing.T) {
	needFederation(t)
	c := small()
	c.Phase2.SettleMax = config.Duration(3 * time.Second)
	c.Phase2.RejoinMax = config.Duration(3 * time.Second)
	c.PhaseNodeArgs = map[string][]string{"2": {"--unsafe-fault-injection", "--fault", "cancel-fanout-after-quorum"}}
	r := Phase2(ctx(t), newEnv(t, c))
	if r.Pass {
		t.Fatal("phase 2 green with fan-out cancelled after quorum")
	}
	t.Logf("reasons:\n%s", reasons(r.Reasons))
	if !slices.Contains(failedIDs(r, c), "federation.acked_present") || !strings.Contains(reasons(r.Reasons), "lost ids: ") {
		t.Fatalf("acked_present does not name lost ids:\n%s", reasons(r.Reasons))
	}
}

func TestPhase2RedWithListCap20NotABogusCount(t *testing.T) {
	needFederation(t)
	c := small()
	c.PhaseNodeArgs = map[string][]string{"2": {"--unsafe-fault-injection", "--fault", "list-cap-20"}}
	r := Phase2(ctx(t), newEnv(t, c))
	if r.Pass {
		t.Fatal("phase 2 green with the list capped at 20")
	}
	if !slices.Contains(failedIDs(r, c), "federation.list_complete") {
		t.Fatalf("the listing check did not fail:\n%s", reasons(r.Reasons))
	}
	for n, got := range r.Counts {
		if got != r.OK {
			t.Fatalf("node %s counted %d of %d: the cap leaked into the count", n, got, r.OK)
		}
	}
}

func TestPhase4GreenOnCleanTrios(t *testing.T) {
	needFederation(t)
	r := Phase4(ctx(t), newEnv(t, small()))
	if !r.Pass {
		b, _ := json.MarshalIndent(r.Cycles, "", " ")
		t.Fatalf("clean chaos red: %s\n%s", reasons(r.Reasons), b)
	}
	for _, cy := range r.Cycles {
		t.Logf("%-20s effective=%v (%s) acked=%d unknown=%d/%d recovered wall=%.0fms", cy.Fault, cy.Effective, cy.EffectEvidence,
			cy.Check.AckedWrites, cy.Check.Unknown, cy.Check.UnknownRecovered, cy.WallMS)
		if !cy.Injected || cy.AckedBefore == 0 || cy.Check.AckedWrites == 0 {
			t.Fatalf("%s: fault not injected into acknowledged traffic: %+v", cy.Fault, cy)
		}
	}
}

func TestPhase3Green(t *testing.T) {
	c := small()
	c.Phase3.Memories = 300
	e := newEnv(t, c)
	r := Phase3(ctx(t), e)
	if !r.Pass {
		t.Fatalf("migration red: %s\nsteps %+v", reasons(r.Reasons), r.Steps)
	}
	if r.SrcDigest == "" || r.SrcDigest != r.DstDigest || r.DstCount != 300-r.Deleted || r.SeededLinks == 0 || r.DstLinks != r.SeededLinks {
		t.Fatalf("round trip: %+v", r)
	}
	// sqlite3 and psql saw the fixture: tombstones and records included.
	if v := r.SQLPostgres; v.Digest == "" || v.Tombstones == 0 || v.Records != 4 || v != r.SQLSource || v != r.SQLRoundTrip {
		t.Fatalf("SQL views: source %+v postgres %+v round trip %+v", r.SQLSource, r.SQLPostgres, r.SQLRoundTrip)
	}
	// One changed character in one row, or one tombstone brought back, and
	// the SQL digest differs while the counts may not.
	db := filepath.Join(e.WorkDir, "phase3", "phase3-roundtrip.db")
	for _, tamper := range []string{
		"UPDATE memories SET content = content || '.' WHERE rowid = (SELECT min(rowid) FROM memories WHERE state = 'active')",
		"UPDATE memories SET state = 'active' WHERE rowid = (SELECT min(rowid) FROM memories WHERE state = 'deleted')",
	} {
		// Through ai-memory's own SQLite library: the sqlite3 client may
		// be too old for the FTS table the update triggers touch.
		if err := execSQLite(db, tamper); err != nil {
			t.Fatalf("%s: %v", tamper, err)
		}
		if v := e.sqliteStore(ctx(t), e.WorkDir, db); v.Digest == r.SQLSource.Digest || v.Error != "" {
			t.Fatalf("tampered round trip still agrees: %+v", v)
		}
	}
}

// failedIDs are the failing checks of a phase-2 artifact.
func failedIDs(r *report.Phase2, c config.Campaign) []string {
	return report.FailedIDs(report.Federation(r, c.Phase2))
}

// TestPhase2CatchesEveryPlantedBug runs phase 2 once per remaining fault
// switch; each must turn it red with the check that names the defect.
// rare-ack-before-durable acknowledges one received push in 50 early:
// the crash-after-ack writes are many enough to meet one.
// sync-mark-before-apply loses what a node pulled when it is killed during
// catch-up.
func TestPhase2CatchesEveryPlantedBug(t *testing.T) {
	needFederation(t)
	for fault, want := range map[string]string{
		"double-count-ack":           "federation.probe2",
		"skip-replicate-consolidate": "federation.consolidation",
		"ack-before-durable":         "federation.crash_after_ack",
		"rare-ack-before-durable":    "federation.crash_after_ack",
		"sync-mark-before-apply":     "federation.rejoin",
	} {
		t.Run(fault, func(t *testing.T) {
			c := small()
			c.Phase2.SettleMax = config.Duration(3 * time.Second)
			c.Phase2.RejoinMax = config.Duration(3 * time.Second)
			c.PhaseNodeArgs = map[string][]string{"2": {"--unsafe-fault-injection", "--fault", fault}}
			r := Phase2(ctx(t), newEnv(t, c))
			if r.Pass || !slices.Contains(failedIDs(r, c), want) {
				t.Fatalf("%s: pass=%v, want %s failing:\n%s", fault, r.Pass, want, reasons(r.Reasons))
			}
		})
	}
}

func execSQLite(path, stmt string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}

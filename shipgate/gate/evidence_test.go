package gate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

func TestStatusesFailClosed(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.Write(dir, fixture.Run{ID: "x", Version: "0.7.0", FailPhase: 2}); err != nil {
		t.Fatal(err)
	}
	run, err := gate.LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []gate.Status{gate.StatusPass, gate.StatusFail, gate.StatusNotReached, gate.StatusNotReached}
	for p := 1; p <= 4; p++ {
		if got := run.PhaseStatus(p); got != want[p-1] {
			t.Errorf("phase %d: %s, want %s", p, got, want[p-1])
		}
	}
	if run.Pass() {
		t.Fatal("failed run passes")
	}
}

func TestEmptyAndCorruptArtifacts(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.Write(dir, fixture.Run{ID: "x", Version: "0.7.0"}); err != nil {
		t.Fatal(err)
	}
	run, _ := gate.LoadRun(dir)
	if !run.Pass() {
		t.Fatalf("clean fixture fails: %v", run.Failures())
	}
	cases := map[string]string{
		"phase4.json":        "",                                        // empty (upstream r21-r23)
		"phase3.json":        "Running migration...\n",                  // stdout saved as json (r15-18)
		"phase2.json":        `{"phase":2,"pass":true,"reasons":["x"]}`, // pass with a reason
		"phase1-node-a.json": `{"phase":2,"pass":true}`,                 // wrong phase number
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			fixture.Write(d, fixture.Run{ID: "x", Version: "0.7.0"})
			os.WriteFile(filepath.Join(d, name), []byte(body), 0o644)
			run, _ := gate.LoadRun(d)
			if run.Pass() {
				t.Fatalf("%s = %q passes", name, body)
			}
			sameVerdicts(t, d)
		})
	}
	// A directory with no artifacts at all (upstream's 26 soak "passes").
	empty := t.TempDir()
	run, _ = gate.LoadRun(empty)
	if run.Pass() || run.HasEvidence() {
		t.Fatal("empty run passes or claims evidence")
	}
	for p := 1; p <= 4; p++ {
		if run.PhaseStatus(p) != gate.StatusNotRun {
			t.Fatalf("empty run phase %d is %s", p, run.PhaseStatus(p))
		}
	}
}

func TestUpstreamArtifactsJudged(t *testing.T) {
	// r14 of the original: every write acknowledged, B=166 C=164. The
	// page's checklist comes from the same verdict as the aggregator's, so
	// it names the short nodes (and everything upstream never measured).
	src := "../../../shared/reference/upstream-artifacts/r-v0.6.0.0-r14.phase2.json"
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Skipf("upstream reference artifacts not available: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "phase2.json"), raw, 0o644)
	run, _ := gate.LoadRun(dir)
	var short []string
	for _, c := range run.Checks(run.Phase(2).Artifacts[0]) {
		if !c.Pass && c.ID == "federation.acked_present" {
			short = append(short, c.Name+" "+strings.SplitN(c.Measured, ";", 2)[0])
		}
	}
	got := strings.Join(short, "|")
	if got != "node-b holds every acknowledged id 166 of 200|node-c holds every acknowledged id 164 of 200" {
		t.Fatalf("failing checks: %s", got)
	}
}

// TestPageChecksAreTheAggregatorChecks: the checks a page shows for an
// artifact are the ones the aggregator recomputes, same IDs, same results.
func TestPageChecksAreTheAggregatorChecks(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.Write(dir, fixture.Run{ID: "x", Version: "0.7.0", FailPhase: 4}); err != nil {
		t.Fatal(err)
	}
	run, _ := gate.LoadRun(dir)
	s, err := phases.Aggregate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Status {
		var page []report.Check
		for _, a := range run.Phase(st.Phase).Artifacts {
			page = append(page, run.Checks(a)...)
		}
		got, want := report.FailedIDs(page), report.FailedIDs(st.Checks)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("phase %d: page fails %v, aggregator %v", st.Phase, got, want)
		}
	}
	if ids := report.FailedIDs(s.Status[3].Checks); len(ids) == 0 || ids[0] != "chaos.kill_node.lost" {
		t.Fatalf("planted loss not found: %v", ids)
	}
}

// sameVerdicts: the dashboard's header load must judge a run exactly as the
// full load does.
func sameVerdicts(t *testing.T, dir string) {
	t.Helper()
	full, _ := gate.LoadRun(dir)
	head, _ := gate.LoadRunHeader(dir)
	if full.Pass() != head.Pass() || full.HasEvidence() != head.HasEvidence() || full.ID != head.ID || !full.CompletedAt.Equal(head.CompletedAt) {
		t.Fatalf("header load disagrees: pass %v/%v evidence %v/%v id %s/%s", full.Pass(), head.Pass(), full.HasEvidence(), head.HasEvidence(), full.ID, head.ID)
	}
	for p := 1; p <= 4; p++ {
		if full.PhaseStatus(p) != head.PhaseStatus(p) {
			t.Fatalf("phase %d: full %s, header %s", p, full.PhaseStatus(p), head.PhaseStatus(p))
		}
	}
}

func TestHeaderLoadAgrees(t *testing.T) {
	for i, r := range []fixture.Run{{}, {FailPhase: 1}, {FailPhase: 3}, {OmitPhase: 2}, {OmitPhase: 4, OverallPass: ptrTrue()}} {
		d := filepath.Join(t.TempDir(), "r")
		r.ID, r.Version = "r", "0.7.0"
		if err := fixture.Write(d, r); err != nil {
			t.Fatal(err)
		}
		t.Logf("case %d", i)
		sameVerdicts(t, d)
	}
	sameVerdicts(t, t.TempDir())
}

func ptrTrue() *bool { b := true; return &b }

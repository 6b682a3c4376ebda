package report

import (
	"strings"
	"testing"
)

// TestBurstMustBeFullyAcknowledged: the burst runs without faults, so one
// write out of 200 not acknowledged is a defect (it used to pass).
func TestBurstMustBeFullyAcknowledged(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.OK, p.Fail = 199, 1
		p.AckedIDs = p.AckedIDs[:199]
		p.Counts = map[string]int{"a": 199, "b": 199, "c": 199}
	})
	mustFail(t, dir, "federation.burst_acked", "199 of 200")
}

// TestAckedIDsComparedAsSets: the artifact names as many acknowledged ids
// as the history, but not the same ones.
func TestAckedIDsComparedAsSets(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) { p.AckedIDs[7] = "forged" })
	mustFail(t, dir, "federation.history", "only in the history: A007", "only in the artifact: forged")
}

func TestPhase3SQLChecks(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) { p.SQLPostgres.Digest = "other" })
	mustFail(t, dir, "migration.sql_postgres")

	dir, _ = goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) { p.SQLRoundTrip.Tombstones = 0 })
	mustFail(t, dir, "migration.sql_round_trip", "tombstones 0")

	dir, _ = goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) { p.SQLPostgres.Error = "psql: connection refused" })
	mustFail(t, dir, "migration.sql_postgres", "connection refused")

	// The SQL view of the source must be the fixture the harness seeded.
	dir, _ = goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) { p.Records = 4 })
	mustFail(t, dir, "migration.sql_source")
}

func TestPhase3FixtureMustExerciseTombstones(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) {
		p.Deleted, p.SrcCount, p.DstCount = 0, 1000, 1000
		p.SQLSource.Tombstones, p.SQLPostgres.Tombstones, p.SQLRoundTrip.Tombstones = 0, 0, 0
	})
	mustFail(t, dir, "migration.fixture", "deleted 0")
}

// TestReasonsComeFromFailingChecks: every reason of a red run is the
// reason of one failing check, and a green run has neither.
func TestReasonsComeFromFailingChecks(t *testing.T) {
	dir, _ := goodRun(t)
	s := aggregate(t, dir)
	for _, st := range s.Status {
		if len(st.Checks) == 0 || !st.Pass || len(st.Reasons) != 0 {
			t.Fatalf("phase %d: %d checks, pass %v, reasons %v", st.Phase, len(st.Checks), st.Pass, st.Reasons)
		}
	}
	edit(t, dir, "phase2.json", func(p *Phase2) { p.Probe1 = "503" })
	s = aggregate(t, dir)
	st := s.Status[1]
	var failing []string
	for _, c := range st.Checks {
		if !c.Pass {
			failing = append(failing, c.Reason())
		}
	}
	if strings.Join(failing, "|") != strings.Join(st.Reasons, "|") || len(failing) == 0 {
		t.Fatalf("reasons %v, failing checks %v", st.Reasons, failing)
	}
	if got := FailedIDs(st.Checks); len(got) != 2 || got[0] != "federation.probe1" || got[1] != "federation.recorded" {
		t.Fatalf("failing ids %v", got)
	}
}

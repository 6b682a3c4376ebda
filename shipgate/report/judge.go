package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Judge is a phase as the aggregator, the gate and the pages know it: the
// files it writes and how each is judged again. Package phases holds the
// one table of phases, each row a Judge with its runner and timeout.
type Judge struct {
	N         int
	Name      string
	Purpose   string   // one sentence for the evidence page
	Artifacts []string // run-relative files, every one required
	// Verdict judges one artifact again from its bytes and the campaign's
	// thresholds alone: cheap enough for every page render.
	Verdict func(raw []byte, cfg config.Campaign) (Judged, error)
	// Evidence cross-checks an artifact with the raw evidence beside it
	// in dir (histories, node dumps); nil when there is none.
	Evidence func(dir string, raw []byte) []Check
}

// Judged is one artifact judged again, beside what it says of itself.
type Judged struct {
	Checks  []Check
	Timing  Timing
	Pass    bool     // as recorded
	Reasons []string // as recorded
}

// JudgeFunctional judges a phase1-node-<x>.json.
func JudgeFunctional(raw []byte, cfg config.Campaign) (Judged, error) {
	var a Phase1
	if err := json.Unmarshal(raw, &a); err != nil {
		return Judged{}, err
	}
	return judged("functional", 1, a.Phase, a.Pass, a.Reasons, a.Timing, Functional(&a, cfg.Phase1)), nil
}

// JudgeFederation judges phase2.json.
func JudgeFederation(raw []byte, cfg config.Campaign) (Judged, error) {
	var a Phase2
	if err := json.Unmarshal(raw, &a); err != nil {
		return Judged{}, err
	}
	return judged("federation", 2, a.Phase, a.Pass, a.Reasons, a.Timing, Federation(&a, cfg.Phase2)), nil
}

// JudgeMigration judges phase3.json.
func JudgeMigration(raw []byte, cfg config.Campaign) (Judged, error) {
	var a Phase3
	if err := json.Unmarshal(raw, &a); err != nil {
		return Judged{}, err
	}
	return judged("migration", 3, a.Phase, a.Pass, a.Reasons, a.Timing, Migration(&a, cfg.Phase3)), nil
}

// JudgeChaos judges phase4.json.
func JudgeChaos(raw []byte, cfg config.Campaign) (Judged, error) {
	var a Phase4
	if err := json.Unmarshal(raw, &a); err != nil {
		return Judged{}, err
	}
	return judged("chaos", 4, a.Phase, a.Pass, a.Reasons, a.Timing, Chaos(&a, cfg.Phase4)), nil
}

func judged(name string, want, got int, pass bool, reasons []string, t Timing, cs []Check) Judged {
	cs = append(cs, equal(name+".artifact_phase", "the artifact names its phase", got, want), inTime(name, t))
	return Judged{Checks: cs, Timing: t, Pass: pass, Reasons: reasons}
}

func inTime(name string, t Timing) Check {
	return holds(name+".in_time", "finished within its time limit", !t.TimedOut, "timed out")
}

// Record is the verdict the runner writes into an artifact: its checks
// and the time limit, exactly as the aggregator will recompute them.
func Record(name string, checks []Check, t Timing) (pass bool, reasons []string) {
	cs := append(checks, inTime(name, t))
	return Passed(cs), Reasons(cs)
}

// FederationEvidence compares the burst's acknowledged ids in the history
// with the artifact's, as sets: the verdict is about exactly the writes
// the clients saw acknowledged.
func FederationEvidence(dir string, raw []byte) []Check {
	var a Phase2
	if err := json.Unmarshal(raw, &a); err != nil {
		return []Check{holds("federation.history", "the history agrees with the artifact", false, err.Error())}
	}
	c := Check{ID: "federation.history", Name: "the history acknowledges exactly the artifact's ids", Threshold: "same set"}
	ops, err := history.Load(filepath.Join(dir, filepath.Base(a.History)))
	if err == nil {
		err = history.Check(ops)
	}
	switch {
	case a.History == "":
		c.Measured = "no history file named"
	case err != nil:
		c.Measured = fmt.Sprintf("history %s: %v", a.History, err)
	default:
		acked := history.AckedIDs(ops, -1)
		onlyHistory, onlyArtifact := setDiff(acked, a.AckedIDs), setDiff(a.AckedIDs, acked)
		c.Pass = len(onlyHistory) == 0 && len(onlyArtifact) == 0 && len(a.AckedIDs) == a.OK
		c.Measured = fmt.Sprintf("history %d, artifact %d (ok %d); only in the history: %s; only in the artifact: %s",
			len(acked), len(a.AckedIDs), a.OK, ids(onlyHistory), ids(onlyArtifact))
	}
	return []Check{c}
}

// ChaosEvidence re-runs the checker and the effect rule on every cycle's
// history and node dumps (see checkChaos).
func ChaosEvidence(dir string, raw []byte) []Check {
	var a Phase4
	if err := json.Unmarshal(raw, &a); err != nil {
		return []Check{holds("chaos.evidence", "the histories and dumps agree with the artifact", false, err.Error())}
	}
	return checkChaos(dir, &a)
}

// setDiff lists the members of a that b lacks, sorted.
func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

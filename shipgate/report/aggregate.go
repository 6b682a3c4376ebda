package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Artifact file names in runs/<id>/.
const (
	ConfigFile     = "campaign-config.json"
	ProvenanceFile = "provenance.json"
	MetaFile       = "run-meta.json"
	SummaryFile    = "campaign-summary.json"
)

// Phase1Nodes are the phase-1 file suffixes.
var Phase1Nodes = []string{"a", "b", "c"}

// AggregatorVersion names the verdict rules that produced a summary.
const AggregatorVersion = "ship-gate aggregate v1 (fail-closed, verdicts recomputed)"

// Aggregate recomputes the campaign summary from the files in dir. Nothing
// is trusted: every phase verdict is recomputed from its measured values; a
// phase that is missing, empty, unparsable, timed out or not run fails, and
// so does a run without its configuration or provenance.
func Aggregate(dir string) (*Summary, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("aggregate: %s is not a run directory", dir)
	}
	s := &Summary{CampaignID: filepath.Base(filepath.Clean(dir)), Phases: []any{}, Reasons: []string{}, Aggregator: AggregatorVersion}
	fail := func(f string, a ...any) { s.Reasons = append(s.Reasons, fmt.Sprintf(f, a...)) }

	cfg := config.Default()
	if err := readStrict(filepath.Join(dir, ConfigFile), &cfg); err != nil {
		fail("%s: %v (judged against default thresholds)", ConfigFile, err)
		cfg = config.Default()
	}
	var prov Provenance
	if err := readStrict(filepath.Join(dir, ProvenanceFile), &prov); err != nil {
		fail("%s: %v", ProvenanceFile, err)
	} else {
		s.Provenance = &prov
		if prov.BinarySHA256 == "" || prov.Version == "" {
			fail("provenance lacks the binary digest or version")
		}
	}
	var meta Meta
	if err := readStrict(filepath.Join(dir, MetaFile), &meta); err != nil {
		fail("%s: %v (the run did not finish)", MetaFile, err)
	} else {
		if meta.CampaignID != "" {
			s.CampaignID = meta.CampaignID
		}
		s.StartedAt = stamp(meta.StartedAt)
		s.CompletedAt = stamp(meta.CompletedAt)
		s.WallSeconds = meta.WallSeconds
		s.Cost = meta.Cost
		s.Interrupted = meta.Interrupted
		if meta.Interrupted != "" {
			fail("run interrupted: %s", meta.Interrupted)
		}
	}
	if s.CompletedAt == "" {
		s.CompletedAt = stamp(time.Now())
	}

	for p := 1; p <= 4; p++ {
		st := PhaseStatus{Phase: p, Name: PhaseNames[p], Status: "FAIL", Reasons: []string{}}
		var t Timing
		var reasons []string
		if !cfg.Runs(p) {
			st.Status = "NOT RUN"
			reasons = []string{fmt.Sprintf("phase %d not run", p)}
		} else {
			reasons, t = aggregatePhase(dir, p, cfg, s)
		}
		for _, pr := range meta.Phases {
			if pr.Phase == p && pr.Error != "" {
				reasons = append(reasons, fmt.Sprintf("phase %d: %s", p, pr.Error))
			}
			if pr.Phase == p && t.StartedAt.IsZero() {
				t = pr.Timing
			}
		}
		st.Reasons = nz(reasons)
		st.Pass = len(reasons) == 0
		if st.Pass {
			st.Status = "PASS"
		}
		s.Status = append(s.Status, st)
		for _, r := range reasons {
			fail("phase %d: %s", p, r)
		}
		pt := PhaseTiming{Phase: p, Name: PhaseNames[p], WallSeconds: t.WallSeconds}
		if !t.StartedAt.IsZero() {
			pt.StartedAt, pt.CompletedAt = stamp(t.StartedAt), stamp(t.CompletedAt)
		}
		s.Timings = append(s.Timings, pt)
	}
	s.OverallPass = len(s.Reasons) == 0 && len(s.Status) == 4
	return s, nil
}

// aggregatePhase loads and re-judges phase p, appending its objects to the
// summary's phases. It returns the failure reasons and the phase timing.
func aggregatePhase(dir string, p int, cfg config.Campaign, s *Summary) ([]string, Timing) {
	var reasons []string
	var timing Timing
	judge := func(name string, v any, recorded func() (bool, []string, Timing), verdict func() []string) {
		raw, err := readRaw(filepath.Join(dir, name), v)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("%s: %v", name, err))
			return
		}
		s.Phases = append(s.Phases, raw)
		pass, rec, t := recorded()
		if timing.StartedAt.IsZero() || t.StartedAt.Before(timing.StartedAt) {
			timing.StartedAt = t.StartedAt
		}
		if t.CompletedAt.After(timing.CompletedAt) {
			timing.CompletedAt = t.CompletedAt
		}
		got := verdict()
		recNonEmpty := slices.DeleteFunc(slices.Clone(rec), func(x string) bool { return x == "" })
		switch {
		case len(got) > 0:
			reasons = append(reasons, got...)
			if pass {
				reasons = append(reasons, name+": recorded pass:true contradicts its measured values")
			}
		case !pass || len(recNonEmpty) > 0:
			reasons = append(reasons, fmt.Sprintf("%s: recorded as failed: %v", name, recNonEmpty))
		}
	}
	switch p {
	case 1:
		for _, n := range Phase1Nodes {
			var a Phase1
			name := fmt.Sprintf("phase1-node-%s.json", n)
			judge(name, &a, func() (bool, []string, Timing) { return a.Pass, a.Reasons, a.Timing },
				func() []string { return checkPhase(1, a.Phase, a.TimedOut, Verdict1(&a, cfg.Phase1)) })
		}
	case 2:
		var a Phase2
		judge("phase2.json", &a, func() (bool, []string, Timing) { return a.Pass, a.Reasons, a.Timing },
			func() []string {
				return append(checkPhase(2, a.Phase, false, Verdict2(&a, cfg.Phase2, cfg.Node.HTTPTimeout)),
					checkHistory(dir, a.History, -1, a.OK)...)
			})
	case 3:
		var a Phase3
		judge("phase3.json", &a, func() (bool, []string, Timing) { return a.Pass, a.Reasons, a.Timing },
			func() []string { return checkPhase(3, a.Phase, false, Verdict3(&a, cfg.Phase3)) })
	case 4:
		var a Phase4
		judge("phase4.json", &a, func() (bool, []string, Timing) { return a.Pass, a.Reasons, a.Timing },
			func() []string {
				return append(checkPhase(4, a.Phase, false, Verdict4(&a, cfg.Phase4)), checkChaos(dir, &a)...)
			})
	}
	timing.WallSeconds = timing.CompletedAt.Sub(timing.StartedAt).Seconds()
	if timing.StartedAt.IsZero() {
		timing.WallSeconds = 0
	}
	return reasons, timing
}

func checkPhase(want, got int, timedOut bool, r []string) []string {
	if got != want {
		r = append(r, fmt.Sprintf("artifact says phase %d, want %d", got, want))
	}
	if timedOut {
		r = append(r, fmt.Sprintf("phase %d timed out", want))
	}
	return r
}

// checkHistory cross-checks a phase's acknowledged count against its
// history file: the evidence and the verdict must agree.
func checkHistory(dir, name string, cycle, ok int) []string {
	if name == "" {
		return []string{"no history file named"}
	}
	ops, err := history.Load(filepath.Join(dir, filepath.Base(name)))
	if err != nil {
		return []string{fmt.Sprintf("history %s: %v", name, err)}
	}
	if err := history.Check(ops); err != nil {
		return []string{fmt.Sprintf("history %s: %v", name, err)}
	}
	if got := len(history.AckedIDs(ops, cycle)); got != ok {
		return []string{fmt.Sprintf("history %s acknowledges %d writes, artifact says %d", name, got, ok)}
	}
	return nil
}

// readRaw reads a JSON object into v and returns its bytes verbatim.
func readRaw(path string, v any) (json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("missing")
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty")
	}
	if b = bytes.TrimSpace(b); b[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("unparsable: %v", err)
	}
	return json.RawMessage(b), nil
}

func readStrict(path string, v any) error {
	_, err := readRaw(path, v)
	return err
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

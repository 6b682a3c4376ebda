package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// Artifact file names in runs/<id>/.
const (
	ConfigFile     = "campaign-config.json"
	ProvenanceFile = "provenance.json"
	MetaFile       = "run-meta.json"
	SummaryFile    = "campaign-summary.json"
)

// AggregatorVersion names the verdict rules that produced a summary.
const AggregatorVersion = "ship-gate aggregate v1 (fail-closed, verdicts recomputed)"

// Aggregate recomputes the campaign summary from the files in dir, phase
// by phase as judges lists them. Nothing is trusted: every phase's checks
// are recomputed from its measured values and cross-checked with its raw
// evidence; a phase that is missing, empty, unparsable, timed out or not
// run fails, and so does a run without its configuration or provenance.
func Aggregate(dir string, judges []Judge) (*Summary, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("aggregate: %s is not a run directory", dir)
	}
	s := &Summary{CampaignID: filepath.Base(filepath.Clean(dir)), Phases: []any{}, Aggregator: AggregatorVersion}
	cfg, meta, checks := loadRun(dir, s)
	s.Checks = checks
	federated := cfg.Certifies(config.TopologyFederated)
	for _, j := range judges {
		if !federated {
			break // the phases certify the federated topology only
		}
		st := PhaseStatus{Phase: j.N, Name: j.Name, Status: "FAIL"}
		var t Timing
		if !cfg.Runs(j.N) {
			st.Status = "NOT RUN"
			st.Checks = []Check{holds(j.Name+".run", "the phase ran", false, "not run")}
		} else {
			st.Checks, t = aggregatePhase(dir, j, cfg, s)
		}
		for _, pr := range meta.Phases {
			if pr.Phase != j.N {
				continue
			}
			if pr.Error != "" {
				st.Checks = append(st.Checks, holds(j.Name+".runner", "the runner finished the phase", false, pr.Error))
			}
			if t.StartedAt.IsZero() {
				t = pr.Timing
			}
		}
		st.Reasons = Reasons(st.Checks)
		if st.Pass = Passed(st.Checks); st.Pass {
			st.Status = "PASS"
		}
		s.Status = append(s.Status, st)
		pt := PhaseTiming{Phase: j.N, Name: j.Name, WallSeconds: t.WallSeconds}
		if !t.StartedAt.IsZero() {
			pt.StartedAt, pt.CompletedAt = stamp(t.StartedAt), stamp(t.CompletedAt)
		}
		s.Timings = append(s.Timings, pt)
	}
	if cfg.Certifies(config.TopologySharedPostgres) {
		s.Topologies = append(s.Topologies, JudgeSharedPostgres(dir))
	}
	s.Reasons = Reasons(s.Checks)
	for _, st := range s.Status {
		for _, r := range st.Reasons {
			s.Reasons = append(s.Reasons, fmt.Sprintf("phase %d: %s", st.Phase, r))
		}
	}
	for _, ts := range s.Topologies {
		for _, r := range ts.Reasons {
			s.Reasons = append(s.Reasons, ts.Topology+": "+r)
		}
	}
	// Every topology the run certifies must have been judged, and pass.
	judged := len(s.Topologies)
	if federated {
		judged++
	}
	s.OverallPass = len(s.Reasons) == 0 && judged == len(cfg.Topologies) && judged > 0 &&
		(!federated || len(s.Status) == len(judges) && len(judges) > 0)
	return s, nil
}

// loadRun reads the run's configuration, provenance and runner record
// into s and returns the campaign-level checks. A run without its config
// is judged against the defaults, and fails.
func loadRun(dir string, s *Summary) (config.Campaign, Meta, []Check) {
	cfg := config.Default()
	err := readStrict(filepath.Join(dir, ConfigFile), &cfg)
	if err != nil {
		cfg = config.Default()
	}
	out := []Check{holds("campaign.config", ConfigFile+" present (its thresholds judge the run)", err == nil, fmt.Sprintf("%v (judged against default thresholds)", err))}
	var prov Provenance
	err = readStrict(filepath.Join(dir, ProvenanceFile), &prov)
	if err == nil {
		s.Provenance = &prov
		if prov.BinarySHA256 == "" || prov.Version == "" {
			err = errors.New("no binary digest or version")
		}
	}
	out = append(out, holds("campaign.provenance", ProvenanceFile+" names the tested binary", err == nil, fmt.Sprint(err)))
	var meta Meta
	err = readStrict(filepath.Join(dir, MetaFile), &meta)
	out = append(out,
		holds("campaign.finished", MetaFile+" present (the run finished)", err == nil, fmt.Sprint(err)),
		holds("campaign.not_interrupted", "the run was not interrupted", meta.Interrupted == "", meta.Interrupted))
	if err == nil {
		if meta.CampaignID != "" {
			s.CampaignID = meta.CampaignID
		}
		s.StartedAt, s.CompletedAt = stamp(meta.StartedAt), stamp(meta.CompletedAt)
		s.WallSeconds, s.Cost, s.Interrupted = meta.WallSeconds, meta.Cost, meta.Interrupted
	}
	if s.CompletedAt == "" {
		s.CompletedAt = stamp(time.Now())
	}
	return cfg, meta, out
}

// aggregatePhase loads and judges again each artifact of phase j,
// appending its objects to the summary's phases. It returns the checks and
// the phase timing. With several artifacts (phase 1: one per node) each
// check's name says which file it judged.
func aggregatePhase(dir string, j Judge, cfg config.Campaign, s *Summary) ([]Check, Timing) {
	var out []Check
	var timing Timing
	for _, name := range j.Artifacts {
		var checks []Check
		raw, err := readRaw(filepath.Join(dir, name), &struct{}{})
		var jd Judged
		if err == nil {
			jd, err = j.Verdict(raw, cfg)
		}
		if err != nil {
			out = append(out, Check{ID: j.Name + ".artifact", Name: name, Measured: err.Error(), Threshold: "present and parsable"})
			continue
		}
		s.Phases = append(s.Phases, raw)
		checks = jd.Checks
		if j.Evidence != nil {
			checks = append(checks, j.Evidence(dir, raw)...)
		}
		checks = append(checks, recorded(j.Name, name, jd, Passed(checks)))
		if len(j.Artifacts) > 1 {
			node := strings.TrimSuffix(name, ".json")
			for i := range checks {
				checks[i].Name = node + ": " + checks[i].Name
			}
		}
		out = append(out, checks...)
		if t := jd.Timing; timing.StartedAt.IsZero() || t.StartedAt.Before(timing.StartedAt) {
			timing.StartedAt = t.StartedAt
		}
		if jd.Timing.CompletedAt.After(timing.CompletedAt) {
			timing.CompletedAt = jd.Timing.CompletedAt
		}
	}
	timing.WallSeconds = timing.CompletedAt.Sub(timing.StartedAt).Seconds()
	if timing.StartedAt.IsZero() {
		timing.WallSeconds = 0
	}
	return out, timing
}

// recorded checks that an artifact's own verdict is the recomputed one:
// a hand-edited pass:true, or a failure the measurements do not show,
// fails the phase either way.
func recorded(phase, name string, jd Judged, pass bool) Check {
	c := Check{ID: phase + ".recorded", Name: name + " records the recomputed verdict", Pass: true, Measured: "agrees", Threshold: "agrees"}
	var said []string
	for _, r := range jd.Reasons {
		if r != "" {
			said = append(said, r)
		}
	}
	switch {
	case !pass && jd.Pass:
		c.Pass, c.Measured = false, "recorded pass:true contradicts its measured values"
	case pass && (!jd.Pass || len(said) > 0):
		c.Pass, c.Measured = false, fmt.Sprintf("recorded as failed: %v", said)
	}
	return c
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

// Package gate judges a campaign's evidence, strictly: a phase counts as
// passed only when its artifact exists, parses, and says so, and the release
// gate additionally requires a valid signature over the tested binary.
package gate

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
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Status of one phase (or one phase-1 node) as shown on the evidence page.
type Status string

const (
	StatusPass       Status = "PASS"
	StatusFail       Status = "FAIL"
	StatusNotRun     Status = "NOT RUN"     // no artifact and nothing failed before it
	StatusNotReached Status = "NOT REACHED" // no artifact because an earlier phase failed
)

// Artifact is one phase file as found on disk.
type Artifact struct {
	File    string          // run-relative name, e.g. phase1-node-a.json
	Phase   int             // 1..4
	Part    string          // "node-a" when a phase writes several files, else ""
	Status  Status          // strict status
	Reasons []string        // why it is not PASS (from the file, or ours)
	Raw     json.RawMessage // the file's bytes when it parsed
	Fields  map[string]any  // decoded object when it parsed
}

// Phase is one phase of the registry with its artifacts as found.
type Phase struct {
	N         int
	Name      string
	Purpose   string
	Artifacts []Artifact
	Status    Status
}

// Run is everything the gate and the pages know about one campaign dir.
type Run struct {
	Dir         string
	ID          string
	Summary     map[string]any  // nil when absent or unparsable
	SummaryRaw  json.RawMessage // bytes when it parsed
	SummaryErr  string          // why Summary is nil
	CompletedAt time.Time       // zero when unknown
	// Config holds the thresholds the run recorded (campaign-config.json),
	// the defaults when it recorded none: the aggregator fails such a run.
	Config config.Campaign
	Phases []Phase // every phase of the registry, in order
}

// LoadRun reads a run directory. Missing or broken artifacts are recorded
// in the Run, never returned as errors: the verdict must be computable for
// any directory, and that verdict is FAIL when anything is absent.
func LoadRun(dir string) (*Run, error) { return loadRun(dir, false) }

// LoadRunHeader is LoadRun for listings: every verdict and status is the
// same, but only the fields that decide them (and the summary's header:
// ids, times, provenance, timings) are decoded, not the measurements. The
// dashboard over 100 full campaigns stays well inside its time budget.
func LoadRunHeader(dir string) (*Run, error) { return loadRun(dir, true) }

func loadRun(dir string, header bool) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	r := &Run{Dir: dir, ID: filepath.Base(filepath.Clean(dir)), Config: config.Default()}
	r.loadSummary(header)
	if b, err := os.ReadFile(filepath.Join(dir, report.ConfigFile)); err == nil {
		c := config.Default() // the file over the defaults, as the aggregator reads it
		if json.Unmarshal(b, &c) == nil {
			r.Config = c
		}
	}
	failedBefore := false
	for _, ph := range phases.Registry {
		p := Phase{N: ph.N, Name: ph.Name, Purpose: ph.Purpose}
		for _, f := range ph.Artifacts {
			a := loadArtifact(dir, f, ph.N, failedBefore, header)
			if len(ph.Artifacts) > 1 {
				a.Part = strings.TrimSuffix(strings.TrimPrefix(f, fmt.Sprintf("phase%d-", ph.N)), ".json")
			}
			p.Artifacts = append(p.Artifacts, a)
		}
		p.Status = fold(p.Artifacts)
		failedBefore = failedBefore || p.Status == StatusFail
		r.Phases = append(r.Phases, p)
	}
	return r, nil
}

func (r *Run) loadSummary(header bool) {
	raw, err := os.ReadFile(filepath.Join(r.Dir, report.SummaryFile))
	if err != nil {
		r.SummaryErr = "no " + report.SummaryFile
		if !errors.Is(err, os.ErrNotExist) {
			r.SummaryErr = err.Error()
		}
		return
	}
	m, err := decodeObject(raw, header, summaryHeader{})
	if err != nil {
		r.SummaryErr = fmt.Sprintf("%s does not parse as an object", report.SummaryFile)
		return
	}
	r.Summary, r.SummaryRaw = m, raw
	if id, ok := m["campaign_id"].(string); ok && id != "" {
		r.ID = id
	}
	if s, ok := m["completed_at"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			r.CompletedAt = t
		}
	}
}

func loadArtifact(dir, name string, phase int, failedBefore, header bool) Artifact {
	a := Artifact{File: name, Phase: phase}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		a.Status = StatusNotRun
		if failedBefore {
			a.Status = StatusNotReached
		}
		a.Reasons = []string{name + " is missing"}
		return a
	}
	a.Status = StatusFail
	if err != nil {
		a.Reasons = []string{err.Error()}
		return a
	}
	m, err := decodeObject(raw, header, artifactHeader{})
	if err != nil {
		a.Reasons = []string{name + " is empty or not a JSON object"}
		return a
	}
	a.Raw, a.Fields = raw, m
	a.Reasons = nonEmpty(m["reasons"])
	if got, ok := m["phase"].(float64); !ok || int(got) != phase {
		a.Reasons = append(a.Reasons, fmt.Sprintf("%s says phase %v, want %d", name, m["phase"], phase))
		return a
	}
	if pass, ok := m["pass"].(bool); !ok || !pass {
		if len(a.Reasons) == 0 {
			a.Reasons = []string{name + " does not say pass:true"}
		}
		return a
	}
	if len(a.Reasons) > 0 {
		// pass:true with reasons is contradictory; believe the reasons.
		return a
	}
	a.Status = StatusPass
	return a
}

// nonEmpty returns the non-empty strings of a JSON array (upstream writes
// [""] for a passing phase).
func nonEmpty(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fold is the status of a phase from its artifacts: PASS only when every
// one passed, NOT RUN (or NOT REACHED) when none exists, FAIL otherwise.
func fold(arts []Artifact) Status {
	missing := 0
	for _, a := range arts {
		if a.Status == StatusFail {
			return StatusFail
		}
		if a.Status != StatusPass {
			missing++
		}
	}
	switch {
	case missing == 0:
		return StatusPass
	case missing == len(arts):
		return arts[0].Status
	default:
		return StatusFail // some files exist, others do not
	}
}

// Phase returns phase n (1..4); a phase the registry lacks is empty.
func (r *Run) Phase(n int) Phase {
	for _, p := range r.Phases {
		if p.N == n {
			return p
		}
	}
	return Phase{N: n, Status: StatusNotRun}
}

// PhaseStatus returns the strict status of phase n.
func (r *Run) PhaseStatus(n int) Status { return r.Phase(n).Status }

// artifacts lists every artifact of every phase, in order.
func (r *Run) artifacts() []Artifact {
	var out []Artifact
	for _, p := range r.Phases {
		out = append(out, p.Artifacts...)
	}
	return out
}

// HasEvidence reports whether any artifact of the campaign exists at all.
func (r *Run) HasEvidence() bool {
	if r.Summary != nil {
		return true
	}
	for _, a := range r.artifacts() {
		if a.Raw != nil {
			return true
		}
	}
	return false
}

// Failures lists every reason the run is not a strict pass; empty means PASS.
// The summary's own overall_pass is necessary but never sufficient.
func (r *Run) Failures() []string {
	var out []string
	if r.Summary == nil {
		out = append(out, r.SummaryErr)
	} else if pass, _ := r.Summary["overall_pass"].(bool); !pass {
		// Run-level reasons (interrupted, no provenance...); per-phase ones
		// are reported from the phase files below.
		before := len(out)
		for _, why := range nonEmpty(r.Summary["reasons"]) {
			if !strings.HasPrefix(why, "phase ") {
				out = append(out, "campaign: "+why)
			}
		}
		if len(out) == before {
			out = append(out, "campaign summary says overall_pass is not true")
		}
	}
	for _, a := range r.artifacts() {
		if a.Status == StatusPass {
			continue
		}
		label := fmt.Sprintf("phase %d", a.Phase)
		if a.Part != "" {
			label += " " + a.Part
		}
		for _, why := range a.Reasons {
			out = append(out, fmt.Sprintf("%s %s: %s", label, a.Status, why))
		}
	}
	return out
}

// Pass is the strict outcome.
func (r *Run) Pass() bool { return len(r.Failures()) == 0 }

// The fields a header load keeps. Pointers tell "absent" from zero values.
type artifactHeader struct {
	Phase   *float64 `json:"phase"`
	Pass    *bool    `json:"pass"`
	Reasons []any    `json:"reasons"`
}

type summaryHeader struct {
	CampaignID  *string        `json:"campaign_id"`
	CompletedAt *string        `json:"completed_at"`
	StartedAt   *string        `json:"started_at"`
	OverallPass *bool          `json:"overall_pass"`
	WallSeconds *float64       `json:"wall_seconds"`
	Reasons     []any          `json:"reasons"`
	Provenance  map[string]any `json:"provenance"`
	Timings     []any          `json:"timings"`
}

// decodeObject decodes a JSON object fully, or (header) only the fields of
// the header type, returned in the same map form with the same keys.
func decodeObject[H any](raw []byte, header bool, _ H) (map[string]any, error) {
	if !header {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return nil, fmt.Errorf("not a JSON object")
		}
		return m, nil
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var h H
	if err := json.Unmarshal(trimmed, &h); err != nil {
		return nil, err
	}
	// Round-trip the few kept fields through their JSON names so callers
	// see exactly what a full decode would give for them.
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if v == nil {
			delete(m, k) // absent in the file
		}
	}
	return m, nil
}

package report

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// ReleaseSummary is releases/<version>/summary.json (upstream schema).
type ReleaseSummary struct {
	Schema         string         `json:"$schema,omitempty"`
	Version        string         `json:"version"`
	CampaignRunID  string         `json:"campaign_run_id"`
	Date           string         `json:"date"`
	AIMemoryCommit string         `json:"ai_memory_commit,omitempty"`
	BinarySHA256   string         `json:"binary_sha256,omitempty"`
	TestedVersion  string         `json:"tested_version,omitempty"`
	WallSeconds    int            `json:"wall_seconds"`
	WallHuman      string         `json:"wall_human"`
	PassCount      int            `json:"pass_count"`
	FailCount      int            `json:"fail_count"`
	Verdict        string         `json:"verdict"`
	NHIVerdict     any            `json:"nhi_verdict"` // always null: ship-gate is substrate-only
	Headline       string         `json:"headline"`
	Phases         []ReleasePhase `json:"phases"`
	Evidence       map[string]any `json:"evidence"`
}

// ReleasePhase is one phase of a release summary.
type ReleasePhase struct {
	Phase       int    `json:"phase"`
	Name        string `json:"name"`
	Pass        bool   `json:"pass"`
	WallSeconds int    `json:"wall_seconds"`
	WallHuman   string `json:"wall_human"`
	Notes       string `json:"notes,omitempty"`
}

var versionRE = regexp.MustCompile(`^v\d+\.\d+\.\d+(?:\.\d+)?(?:-[A-Za-z0-9.-]+)?$`)

// Release builds the release summary of version from a campaign summary.
// Wall times come from the run's own records.
func Release(version, runDir string, s *Summary) (*ReleaseSummary, error) {
	if !versionRE.MatchString(version) {
		return nil, fmt.Errorf("version %q does not match vX.Y.Z[.W][-pre]", version)
	}
	if s.CampaignID == "" {
		return nil, fmt.Errorf("summary has no campaign_id")
	}
	date := time.Now().UTC()
	if t, err := time.Parse(time.RFC3339Nano, s.CompletedAt); err == nil {
		date = t.UTC()
	}
	r := &ReleaseSummary{
		Version: version, CampaignRunID: s.CampaignID, Date: date.Format("2006-01-02"),
		WallSeconds: secs(s.WallSeconds), WallHuman: human(s.WallSeconds),
		Verdict: "fail", NHIVerdict: nil,
		Evidence: map[string]any{
			"campaign_dir":          runDir,
			"campaign_summary_json": runDir + "/" + SummaryFile,
			"offline_html":          runDir + "/index.html",
		},
	}
	if p := s.Provenance; p != nil {
		r.AIMemoryCommit, r.BinarySHA256, r.TestedVersion = p.BinaryVCSRevision, p.BinarySHA256, p.Version
		if r.AIMemoryCommit == "" {
			r.AIMemoryCommit = p.GitCommit
		}
	}
	for _, st := range s.Status {
		ph := ReleasePhase{Phase: st.Phase, Name: st.Name, Pass: st.Pass, Notes: st.Status}
		for _, t := range s.Timings {
			if t.Phase == st.Phase {
				ph.WallSeconds, ph.WallHuman = secs(t.WallSeconds), human(t.WallSeconds)
			}
		}
		if !st.Pass && len(st.Reasons) > 0 {
			ph.Notes = st.Status + ": " + strings.Join(st.Reasons, "; ")
			if len(ph.Notes) > 500 {
				ph.Notes = ph.Notes[:500] + "..."
			}
		}
		if st.Pass {
			r.PassCount++
		} else {
			r.FailCount++
		}
		r.Phases = append(r.Phases, ph)
	}
	if len(r.Phases) == 0 {
		return nil, fmt.Errorf("summary has no phases")
	}
	if s.OverallPass && r.FailCount == 0 {
		r.Verdict = "pass"
	}
	r.Headline = fmt.Sprintf("%s — %d/%d phases green — %s wall — %s", version, r.PassCount, len(r.Phases), r.WallHuman, r.Date)
	return r, nil
}

func secs(s float64) int { return int(math.Round(math.Max(s, 0))) }

// human renders seconds like upstream: 3s, 1m56s, 14m.
func human(s float64) string {
	d := time.Duration(secs(s)) * time.Second
	m, sec := int(d.Minutes()), int(d.Seconds())%60
	switch {
	case m == 0:
		return fmt.Sprintf("%ds", sec)
	case sec == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dm%ds", m, sec)
}

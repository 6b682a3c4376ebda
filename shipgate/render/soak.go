package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"time"
)

// SoakPageFile is the soak's page, beside soak-summary.json.
const SoakPageFile = "soak.html"

type soakPage struct {
	S             soakSummary
	Raw           string
	DurationChart template.HTML
	PhaseChart    template.HTML
	Generated     string
}

// soakSummary mirrors soak-summary.json (written by package soak) for
// display; render reads the file, it does not import the soak.
type soakSummary struct {
	Runs            int     `json:"runs"`
	Passed          int     `json:"passed"`
	Failed          int     `json:"failed"`
	InfraFailures   int     `json:"infra_failures"`
	PassRate        float64 `json:"pass_rate"`
	P50Seconds      float64 `json:"p50_seconds"`
	P99Seconds      float64 `json:"p99_seconds"`
	MaxSeconds      float64 `json:"max_seconds"`
	LostWritesTotal int     `json:"lost_writes_total"`
	Pass            bool    `json:"pass"`
	Reasons         []string
	PhaseDrift      []struct {
		Phase       int     `json:"phase"`
		Name        string  `json:"name"`
		Samples     int     `json:"samples"`
		FirstMedian float64 `json:"first_third_median_seconds"`
		LastMedian  float64 `json:"last_third_median_seconds"`
		Drift       float64 `json:"drift"`
		OverLimit   bool    `json:"over_limit"`
		P50Seconds  float64 `json:"p50_seconds"`
		P99Seconds  float64 `json:"p99_seconds"`
	} `json:"phase_drift"`
	Records []struct {
		N           int                `json:"n"`
		CampaignID  string             `json:"campaign_id"`
		StartedAt   time.Time          `json:"started_at"`
		WallSeconds float64            `json:"wall_seconds"`
		ExitCode    int                `json:"exit_code"`
		Outcome     string             `json:"outcome"`
		Infra       bool               `json:"infra_failure"`
		PhaseWall   map[string]float64 `json:"phase_wall_seconds"`
		LostWrites  int                `json:"lost_writes"`
		Reasons     []string           `json:"reasons"`
	} `json:"records"`
}

// SoakPage renders dir/soak.html from dir/soak-summary.json.
func SoakPage(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, SoakSummaryFile))
	if err != nil {
		return err
	}
	p := soakPage{Raw: pretty(raw), Generated: time.Now().UTC().Format(time.RFC3339)}
	if err := json.Unmarshal(raw, &p.S); err != nil {
		return fmt.Errorf("%s: %w", SoakSummaryFile, err)
	}
	var bars []Bar
	phases := make([]Series, 4)
	for i := range phases {
		phases[i].Name = fmt.Sprintf("phase %d", i+1)
	}
	for _, r := range p.S.Records {
		bars = append(bars, Bar{Label: fmt.Sprint(r.N), Value: r.WallSeconds, Bad: r.Outcome != OutcomePass,
			Title: fmt.Sprintf("%s: %s, %.1f s", r.CampaignID, r.Outcome, r.WallSeconds)})
		for i := range phases {
			if w, ok := r.PhaseWall[fmt.Sprint(i+1)]; ok {
				phases[i].Points = append(phases[i].Points, Point{float64(r.N), w})
			}
		}
	}
	p.DurationChart = BarChart("campaign wall time per soak run (green pass, red fail or no evidence)", "seconds", bars)
	p.PhaseChart = LineChart("phase wall time per soak run", "run", "seconds", phases, math.NaN())
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "soak.html", p); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, SoakPageFile), buf.Bytes())
}

package soak

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/render"
)

// DriftLimit is the relative change of a phase's median duration between
// the first and last third of the soak that is flagged (upstream's ±25 %).
const DriftLimit = 0.25

// Summary is soak-summary.json.
type Summary struct {
	Runs            int          `json:"runs"`
	Passed          int          `json:"passed"`
	Failed          int          `json:"failed"`
	InfraFailures   int          `json:"infra_failures"`
	PassRate        float64      `json:"pass_rate"`
	P50Seconds      float64      `json:"p50_seconds"`
	P99Seconds      float64      `json:"p99_seconds"`
	MaxSeconds      float64      `json:"max_seconds"`
	LostWritesTotal int          `json:"lost_writes_total"`
	PhaseDrift      []PhaseDrift `json:"phase_drift"`
	Pass            bool         `json:"pass"`
	Reasons         []string     `json:"reasons"`
	Records         []Record     `json:"records"`
}

// PhaseDrift compares a phase's median wall time early and late in the soak.
type PhaseDrift struct {
	Phase       int     `json:"phase"`
	Name        string  `json:"name"`
	Samples     int     `json:"samples"`
	FirstMedian float64 `json:"first_third_median_seconds"`
	LastMedian  float64 `json:"last_third_median_seconds"`
	Drift       float64 `json:"drift"` // (last - first) / first
	OverLimit   bool    `json:"over_limit"`
	P50Seconds  float64 `json:"p50_seconds"`
	P99Seconds  float64 `json:"p99_seconds"`
}

// Summarize computes the soak statistics. The soak passes only when every
// run is green (infrastructure failures included as red) and no
// acknowledged write was lost. Drift is reported and flagged but does not
// gate: on a shared machine it measures the neighbours as much as the build.
func Summarize(st *State) *Summary {
	s := &Summary{Runs: len(st.Records), Records: st.Records, Reasons: []string{}}
	var walls []float64
	phase := map[int][]float64{}
	for _, r := range st.Records {
		switch {
		case r.Outcome == render.OutcomePass:
			s.Passed++
		case r.Infra:
			s.InfraFailures++
		default:
			s.Failed++
		}
		s.LostWritesTotal += r.LostWrites
		if !r.Infra {
			walls = append(walls, r.WallSeconds)
		}
		for p := 1; p <= 4; p++ {
			if w, ok := r.PhaseWall[strconv.Itoa(p)]; ok {
				phase[p] = append(phase[p], w)
			}
		}
	}
	if s.Runs > 0 {
		s.PassRate = float64(s.Passed) / float64(s.Runs)
	}
	s.P50Seconds, s.P99Seconds, s.MaxSeconds = quantile(walls, 0.5), quantile(walls, 0.99), quantile(walls, 1)
	for _, ph := range phases.Registry {
		ws := phase[ph.N]
		d := PhaseDrift{Phase: ph.N, Name: ph.Name, Samples: len(ws), P50Seconds: quantile(ws, 0.5), P99Seconds: quantile(ws, 0.99)}
		if third := len(ws) / 3; third >= 1 {
			d.FirstMedian, d.LastMedian = quantile(ws[:third], 0.5), quantile(ws[len(ws)-third:], 0.5)
			if d.FirstMedian > 0 {
				d.Drift = round3((d.LastMedian - d.FirstMedian) / d.FirstMedian)
				d.OverLimit = math.Abs(d.Drift) > DriftLimit
			}
		}
		s.PhaseDrift = append(s.PhaseDrift, d)
	}
	if s.Runs < st.Runs {
		s.Reasons = append(s.Reasons, fmt.Sprintf("only %d of %d runs recorded", s.Runs, st.Runs))
	}
	if s.Failed > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d campaigns red", s.Failed))
	}
	if s.InfraFailures > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d campaigns produced no evidence (infrastructure failures count as red)", s.InfraFailures))
	}
	if s.LostWritesTotal > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d acknowledged writes lost", s.LostWritesTotal))
	}
	s.Pass = s.Runs > 0 && len(s.Reasons) == 0
	return s
}

// quantile by nearest rank over a copy of v; 0 when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	i := int(math.Ceil(q*float64(len(c)))) - 1
	i = max(0, min(i, len(c)-1))
	return round3(c[i])
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func phaseWalls(r *gate.Run) map[string]float64 {
	out := map[string]float64{}
	if r.Summary == nil {
		return out
	}
	timings, _ := r.Summary["timings"].([]any)
	for _, t := range timings {
		m, _ := t.(map[string]any)
		p, ok1 := m["phase"].(float64)
		w, ok2 := m["wall_seconds"].(float64)
		if ok1 && ok2 {
			out[strconv.Itoa(int(p))] = w
		}
	}
	return out
}

// lostWrites counts acknowledged ids missing after settle: phase 2's
// missing ids on every node, plus phase 4's lost ids per class.
func lostWrites(r *gate.Run) int {
	n := 0
	if p2 := r.Phase(2).Artifacts[0].Fields; p2 != nil {
		missing, _ := p2["missing_ids"].(map[string]any)
		seen := map[string]bool{}
		for _, ids := range missing {
			arr, _ := ids.([]any)
			for _, id := range arr {
				seen[fmt.Sprint(id)] = true
			}
		}
		n += len(seen)
	}
	if p4 := r.Phase(4).Artifacts[0].Fields; p4 != nil {
		classes, _ := p4["classes"].([]any)
		for _, c := range classes {
			m, _ := c.(map[string]any)
			if l, ok := m["lost"].(float64); ok {
				n += int(l)
			}
		}
	}
	return n
}

func writeOutputs(dir string, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, render.SoakSummaryFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := render.SoakPage(dir); err != nil {
		return err
	}
	_, err = render.Index(dir)
	return err
}

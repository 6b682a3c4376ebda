package canary

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SummaryFile is canary-summary.json, written into the output directory.
const SummaryFile = "canary-summary.json"

// Summary is canary-summary.json.
type Summary struct {
	// Pass: every canary caught in every one of its campaigns, all of one
	// commit and binary.
	Pass   bool `json:"pass"`
	Caught int  `json:"caught"` // canaries caught in every attempt
	Total  int  `json:"total"`
	Repeat int  `json:"repeat"` // campaigns per canary
	Cycles int  `json:"cycles"` // phase-4 cycles per class (0: the campaign default)
	// TooWeak names every canary caught in fewer than all its campaigns:
	// the campaign is too weak for that bug class.
	TooWeak      []string  `json:"too_weak"`
	Commit       string    `json:"commit"`        // the tested commit, when every campaign agrees
	BinarySHA256 string    `json:"binary_sha256"` // the tested binary, when every campaign agrees
	Mixed        string    `json:"mixed,omitempty"`
	StartedAt    time.Time `json:"started_at"`
	CompletedAt  time.Time `json:"completed_at"`
	WallSeconds  float64   `json:"wall_seconds"`
	Canaries     []Result  `json:"canaries"`
}

// Result is one canary over all its campaigns.
type Result struct {
	Name      string    `json:"name"`
	Why       string    `json:"why"`
	Catch     []Catch   `json:"catch"`
	Quiet     []int     `json:"quiet_phases"`
	Faults    []string  `json:"faults,omitempty"` // phase-4 classes, when restricted
	MinCycles int       `json:"min_cycles,omitempty"`
	Attempts  []Attempt `json:"attempts"`
	Caught    int       `json:"caught_runs"`
	CatchRate float64   `json:"catch_rate"`
	// AllCaught: caught in every campaign (and at least one ran).
	AllCaught bool `json:"all_caught"`
}

// Attempt is one campaign with the bug planted.
type Attempt struct {
	CampaignID   string         `json:"campaign_id"`
	ExitCode     int            `json:"exit_code"`
	Phases       []PhaseOutcome `json:"phases"`
	Caught       bool           `json:"caught"`
	Reason       string         `json:"reason"` // the catching checks, or why it was not caught
	Commit       string         `json:"commit"`
	BinarySHA256 string         `json:"binary_sha256"`
	WallSeconds  float64        `json:"wall_seconds"`
}

// PhaseOutcome is one phase of an attempt, as the aggregator recomputed it.
type PhaseOutcome struct {
	Phase  int      `json:"phase"`
	Red    bool     `json:"red"`
	Status string   `json:"status"`
	Failed []string `json:"failed_checks"`
}

// Cell scores phase n over the campaigns: "red" (all), "green" (none),
// "red k/n", or "-" when none ran.
func (r Result) Cell(n int) string {
	red := 0
	for _, a := range r.Attempts {
		if a.phase(n).Red {
			red++
		}
	}
	switch {
	case len(r.Attempts) == 0:
		return "-"
	case red == 0:
		return "green"
	case red == len(r.Attempts):
		return "red"
	}
	return fmt.Sprintf("red %d/%d", red, len(r.Attempts))
}

func (s *Summary) write(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, SummaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, SummaryFile))
}

// tally recomputes the counts and the verdict from the attempts.
func (s *Summary) tally() {
	s.Caught, s.TooWeak, s.Commit, s.BinarySHA256, s.Mixed = 0, []string{}, "", "", ""
	for i := range s.Canaries {
		r := &s.Canaries[i]
		r.Caught = 0
		for _, a := range r.Attempts {
			if a.Caught {
				r.Caught++
			}
			switch {
			case s.Commit == "" && s.BinarySHA256 == "" && s.Mixed == "":
				s.Commit, s.BinarySHA256 = a.Commit, a.BinarySHA256
			case a.Commit != s.Commit || a.BinarySHA256 != s.BinarySHA256:
				s.Mixed = "campaigns of different commits or binaries: " + a.CampaignID
			}
		}
		r.AllCaught = len(r.Attempts) > 0 && r.Caught == len(r.Attempts)
		if len(r.Attempts) > 0 {
			r.CatchRate = float64(r.Caught) / float64(len(r.Attempts))
		}
		if r.AllCaught {
			s.Caught++
		} else {
			s.TooWeak = append(s.TooWeak, r.Name)
		}
	}
	if s.Mixed != "" {
		s.Commit, s.BinarySHA256 = "", ""
	}
	s.Pass = s.Total > 0 && s.Caught == s.Total && s.Mixed == "" && s.Commit != ""
}

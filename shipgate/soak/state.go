// Package soak runs release campaigns on a cadence and accounts for every
// one of them: a campaign that dies before writing evidence is a red
// infrastructure failure, never a silent pass (upstream recorded 26 of 84
// such runs as passes).
package soak

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// Outcomes of one soak run, beyond the evidence outcomes PASS, FAIL and
// NO EVIDENCE.
const (
	OutcomeInterrupted = "INTERRUPTED" // the soak itself was stopped mid-run
)

// Record is one campaign of the soak.
type Record struct {
	N           int                `json:"n"`
	CampaignID  string             `json:"campaign_id"`
	Dir         string             `json:"dir"`
	StartedAt   time.Time          `json:"started_at"`
	EndedAt     time.Time          `json:"ended_at,omitzero"`
	WallSeconds float64            `json:"wall_seconds"`
	ExitCode    int                `json:"exit_code"`
	Outcome     string             `json:"outcome"`
	Infra       bool               `json:"infra_failure"`
	PhaseWall   map[string]float64 `json:"phase_wall_seconds,omitempty"`
	LostWrites  int                `json:"lost_writes"`
	Reasons     []string           `json:"reasons,omitempty"`
}

// State is the soak's resumable progress file.
type State struct {
	StartedAt time.Time `json:"started_at"`
	Runs      int       `json:"runs"`
	Every     string    `json:"every"`
	Prefix    string    `json:"prefix"`
	OutDir    string    `json:"out_dir"`
	RunArgs   []string  `json:"run_args"`
	// Current is the run in progress; a soak that finds one on start was
	// killed mid-run and records it as interrupted.
	Current *Record  `json:"current,omitempty"`
	Records []Record `json:"records"`
}

func loadState(path string) (*State, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("soak state %s: %w", path, err)
	}
	return &s, nil
}

func (s *State) save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// compatible refuses to resume a state written for a different soak, since
// mixing two campaigns' runs would make the statistics meaningless.
func (s *State) compatible(o Options) error {
	if s.Prefix != o.Prefix || s.OutDir != o.OutDir || !slices.Equal(s.RunArgs, o.RunArgs) {
		return fmt.Errorf("soak state was written for prefix %q, out %q, run args %q; this soak has %q, %q, %q (use another --state)",
			s.Prefix, s.OutDir, s.RunArgs, o.Prefix, o.OutDir, o.RunArgs)
	}
	return nil
}

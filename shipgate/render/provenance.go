package render

import (
	"time"

	"github.com/aimemory/ai-memory/shipgate/gate"
)

// provenance is the part of the campaign summary the pages show.
type provenance struct {
	Version, BinarySHA256, Commit string
}

func provenanceOf(r *gate.Run) *provenance {
	if r.Summary == nil {
		return nil
	}
	p, _ := r.Summary["provenance"].(map[string]any)
	s := func(k string) string { v, _ := p[k].(string); return v }
	commit := s("git_commit")
	if commit == "" && s("binary_vcs_revision") != "" {
		// Tested a prebuilt binary outside a checkout: its build info still
		// names the commit it was built from.
		commit = s("binary_vcs_revision") + " (from the binary's build info)"
		if m, _ := p["binary_vcs_modified"].(bool); m {
			commit += ", modified tree"
		}
	}
	return &provenance{Version: s("version"), BinarySHA256: s("binary_sha256"), Commit: commit}
}

// wallSeconds is the campaign's wall time: wall_seconds if recorded, else
// completed_at - started_at.
func wallSeconds(r *gate.Run) (float64, bool) {
	if r.Summary == nil {
		return 0, false
	}
	if w, ok := r.Summary["wall_seconds"].(float64); ok {
		return w, true
	}
	s, _ := r.Summary["started_at"].(string)
	t0, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || r.CompletedAt.IsZero() {
		return 0, false
	}
	return r.CompletedAt.Sub(t0).Seconds(), true
}

// phaseWall is the wall time of phase n from the summary's timings.
func phaseWall(r *gate.Run, n int) (float64, bool) {
	if r.Summary == nil {
		return 0, false
	}
	timings, _ := r.Summary["timings"].([]any)
	for _, t := range timings {
		m, _ := t.(map[string]any)
		if p, _ := m["phase"].(float64); int(p) == n {
			w, ok := m["wall_seconds"].(float64)
			return w, ok
		}
	}
	return 0, false
}

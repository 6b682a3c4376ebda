package canary

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/report"
)

// judge scores each phase of a campaign red or green from its recomputed
// checks and decides whether the planted bug was caught: every declared
// phase red through a declared check, every quiet phase green. A campaign
// red only for other reasons did not catch the bug: it would have been
// red without it.
func judge(a *Attempt, c Canary, s *report.Summary) {
	for _, st := range s.Status {
		failed := report.FailedIDs(st.Checks)
		if len(c.Faults) > 0 {
			// Declared restriction: the every-class check fails by design.
			failed = slices.DeleteFunc(failed, func(id string) bool { return id == "chaos.all_classes" })
		}
		a.Phases = append(a.Phases, PhaseOutcome{Phase: st.Phase, Status: st.Status, Red: st.Status != "PASS" && len(failed) > 0,
			Failed: nonNil(failed)})
	}
	var caught, missed []string
	for _, want := range c.Catch {
		p := a.phase(want.Phase)
		hit := intersect(p.Failed, want.Checks)
		switch {
		case p.Status == "NOT RUN" || p.Phase == 0:
			missed = append(missed, fmt.Sprintf("phase %d not run", want.Phase))
		case len(hit) == 0:
			missed = append(missed, fmt.Sprintf("phase %d: none of %v failed (failed: %v)", want.Phase, want.Checks, p.Failed))
		default:
			caught = append(caught, fmt.Sprintf("phase %d: %s", want.Phase, strings.Join(hit, ", ")))
		}
	}
	for _, q := range c.Quiet {
		if p := a.phase(q); p.Red || p.Status != "PASS" {
			missed = append(missed, fmt.Sprintf("phase %d should stay green, is %s: %v", q, p.Status, p.Failed))
		}
	}
	a.Caught = len(missed) == 0 && len(caught) == len(c.Catch)
	a.Reason = strings.Join(caught, "; ")
	if !a.Caught {
		a.Reason = "not caught: " + strings.Join(missed, "; ")
	}
}

func (a *Attempt) phase(n int) PhaseOutcome {
	for _, p := range a.Phases {
		if p.Phase == n {
			return p
		}
	}
	return PhaseOutcome{}
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package gate

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Checks lists an artifact's checks as its phase's own verdict computes
// them (through the registry, package report) against the thresholds the
// run recorded: the page, the signed test names and the aggregator use one
// rule set, and nothing the artifact says of itself is believed. A
// non-passing artifact always carries at least one failing check.
func (r *Run) Checks(a Artifact) []report.Check {
	var out []report.Check
	ph, _ := phases.Lookup(a.Phase)
	if a.Raw != nil && ph.Verdict != nil {
		jd, err := ph.Verdict(a.Raw, r.Config)
		if err != nil {
			return []report.Check{{ID: ph.Name + ".artifact", Name: a.File, Measured: err.Error(), Threshold: "parsable"}}
		}
		out = jd.Checks
	}
	if a.Status != StatusPass && len(report.FailedIDs(out)) == 0 {
		for _, why := range a.Reasons {
			out = append(out, report.Check{ID: ph.Name + ".artifact", Name: a.File, Measured: why, Threshold: "present, parsable, pass:true"})
		}
	}
	return out
}

// TestNames splits every check of the run into passed and failed names, as
// "phaseN[/node-x]/<check id>: <check name>". An artifact that is not PASS
// and has no failing check contributes its own name to failed, so a broken
// run can never list zero failures.
func (r *Run) TestNames() (passed, failed []string) {
	for _, a := range r.artifacts() {
		prefix := fmt.Sprintf("phase%d", a.Phase)
		if a.Part != "" {
			prefix += "/" + a.Part
		}
		failedHere := false
		for _, c := range r.Checks(a) {
			name := fmt.Sprintf("%s/%s: %s", prefix, c.ID, c.Name)
			if c.Pass {
				passed = append(passed, name)
			} else {
				failed = append(failed, name)
				failedHere = true
			}
		}
		if a.Status != StatusPass && !failedHere {
			failed = append(failed, prefix+" "+string(a.Status))
		}
	}
	if r.Summary == nil {
		failed = append(failed, "campaign-summary missing")
	} else if pass, _ := r.Summary["overall_pass"].(bool); !pass {
		failed = append(failed, "campaign-summary overall_pass")
	}
	return passed, failed
}

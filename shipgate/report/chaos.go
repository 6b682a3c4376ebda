package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// violations names every violation counter of the checker's Report with
// its Finding.Check name, which is also the last part of its check ID
// ("chaos.<class>.<name>").
var violations = []struct {
	name string
	of   func(validate.Report) int
}{
	{validate.CheckLost, func(r validate.Report) int { return r.Lost }},
	{validate.CheckDiverged, func(r validate.Report) int { return r.Diverged }},
	{validate.CheckDeleteNotPropagated, func(r validate.Report) int { return r.DeleteNotPropagated }},
	{validate.CheckCorrupt, func(r validate.Report) int { return r.Corrupt }},
	{validate.CheckPhantom, func(r validate.Report) int { return r.Phantoms }},
	{validate.CheckFailedPresent, func(r validate.Report) int { return r.FailedPresent }},
	{validate.CheckDuplicates, func(r validate.Report) int { return r.Duplicates }},
	{validate.CheckResurrected, func(r validate.Report) int { return r.Resurrected }},
	{validate.CheckStaleRead, func(r validate.Report) int { return r.StaleReads }},
	{validate.CheckCausal, func(r validate.Report) int { return r.Causal }},
	{validate.CheckLostLink, func(r validate.Report) int { return r.LostLinks }},
	{validate.CheckUndumped, func(r validate.Report) int { return r.Undumped }},
}

// Classes judges each configured fault class from its cycles: the
// checker's findings summed, the loss bounds, and whether enough cycles
// showed the fault's effect. A class skipped on this machine never passes.
func Classes(p *Phase4, c config.Phase4Config) []Class {
	var out []Class
	for _, f := range c.Faults {
		k := Class{Fault: f, LostIDs: []string{}, MinEffectiveCycles: c.MinEffectiveCycles, History: "history-phase4-" + f + ".jsonl"}
		var faultMS []float64
		var errs, diskLies []string
		violatedEvents := 0
		for _, cy := range p.Cycles {
			if cy.Fault != f {
				continue
			}
			k.CyclesRun++
			if cy.Valid {
				k.ValidCycles++
			}
			if cy.Effective {
				k.EffectiveCycles++
				if cy.Check.Violations() > 0 {
					violatedEvents++
				}
			}
			if cy.Injected {
				faultMS = append(faultMS, cy.FaultMS)
			}
			k.N += cy.AckedWrites
			k.WallSeconds += cy.WallMS / 1000
			k.Check.Add(cy.Check)
			if cy.Error != "" {
				errs = append(errs, fmt.Sprintf("cycle %d: %s", cy.Cycle, cy.Error))
			}
			if cy.AckedDuringDiskFault > 0 {
				diskLies = append(diskLies, fmt.Sprintf("cycle %d: %d by %v", cy.Cycle, cy.AckedDuringDiskFault, cy.Victims))
			}
		}
		for _, fd := range k.Check.Findings {
			if fd.Check == validate.CheckLost && fd.ID != "" && !slices.Contains(k.LostIDs, fd.ID) {
				k.LostIDs = append(k.LostIDs, fd.ID)
			}
		}
		k.Lost = k.Check.Lost
		k.Violations = k.Check.Violations()
		k.Bound = 1
		if k.N > 0 {
			k.Bound = math.Floor(float64(k.N-k.Lost)/float64(k.N)*1000) / 1000
		}
		k.LossRateUB95 = validate.UpperBound95(k.Lost, k.N)
		k.LossPerEventUB95 = validate.UpperBound95(violatedEvents, k.EffectiveCycles)
		if len(faultMS) > 0 {
			slices.Sort(faultMS)
			k.FaultMS = [3]float64{faultMS[0], faultMS[len(faultMS)/2], faultMS[len(faultMS)-1]}
		}
		k.Skipped = p.Skipped[f]
		k.Checks = classChecks(k, c, errs, diskLies)
		k.Invalid = k.Skipped != "" || !passes(k.Checks, "effective") || !passes(k.Checks, "acked")
		k.Reasons = Reasons(k.Checks)
		k.Pass = Passed(k.Checks)
		out = append(out, k)
	}
	return out
}

func classChecks(k Class, c config.Phase4Config, errs, diskLies []string) []Check {
	id := func(rule string) string { return "chaos." + k.Fault + "." + rule }
	ran := holds(id("ran"), k.Fault+": every cycle ran", k.Skipped == "" && k.CyclesRun > 0, "skipped: "+k.Skipped)
	ran.Measured, ran.Threshold = fmt.Sprintf("%d of %d cycles", k.CyclesRun, c.Cycles), fmt.Sprintf("%d (fewer only when stopped at a violation)", c.Cycles)
	switch {
	case k.Skipped != "":
		ran.Measured = "skipped: " + k.Skipped
	case k.CyclesRun < c.Cycles && k.Violations == 0:
		ran.Pass = false
	}
	out := []Check{ran,
		{ID: id("errors"), Name: k.Fault + ": cycles without harness errors", Pass: len(errs) == 0, Measured: orNone(strings.Join(errs, "; ")), Threshold: "none"},
		{ID: id("acked_during_disk_fault"), Name: k.Fault + ": no write acknowledged while the disk refused every write", Pass: len(diskLies) == 0,
			Measured: orNone(strings.Join(diskLies, "; ")), Threshold: "none"},
	}
	for _, v := range violations {
		n := v.of(k.Check)
		measured := fmt.Sprint(n)
		for i, f := range findingsOf(k.Check, v.name) {
			if i == 3 {
				break
			}
			measured += fmt.Sprintf("; key %s id %s node %s: %s", f.Key, f.ID, f.Node, f.Detail)
		}
		out = append(out, Check{ID: id(v.name), Name: k.Fault + ": checker " + v.name, Pass: n == 0, Measured: measured, Threshold: "0"})
	}
	eff := fmt.Sprintf("%d effective of %d valid, %d run; fault %s ms", k.EffectiveCycles, k.ValidCycles, k.CyclesRun, faultRange(k.FaultMS))
	return append(out,
		Check{ID: id("max_lost"), Name: k.Fault + ": acknowledged writes lost", Pass: k.Lost <= c.MaxLost,
			Measured:  fmt.Sprintf("%d of n=%d (95%% upper bound on the loss rate %.4f): %s", k.Lost, k.N, k.LossRateUB95, ids(k.LostIDs)),
			Threshold: fmt.Sprintf("≤ %d", c.MaxLost)},
		Check{ID: id("bound"), Name: k.Fault + ": convergence_bound", Pass: k.Bound >= c.MinBound, Measured: fmt.Sprint(k.Bound), Threshold: fmt.Sprintf("≥ %g", c.MinBound)},
		Check{ID: id("effective"), Name: k.Fault + ": cycles in which the fault had an effect", Pass: k.CyclesRun == 0 || k.EffectiveCycles >= c.MinEffectiveCycles,
			Measured: eff, Threshold: fmt.Sprintf("≥ %d", c.MinEffectiveCycles)},
		Check{ID: id("acked"), Name: k.Fault + ": writes acknowledged", Pass: k.CyclesRun == 0 || k.N > 0, Measured: fmt.Sprint(k.N), Threshold: "> 0"},
	)
}

// Chaos judges phase 4: every fault class required and run, and each with
// no checker violation, no lost acknowledged write and enough effective
// cycles.
func Chaos(p *Phase4, c config.Phase4Config) []Check {
	var missing []string
	for _, f := range config.AllFaults {
		if !slices.Contains(c.Faults, f) {
			missing = append(missing, f)
		}
	}
	out := []Check{{ID: "chaos.all_classes", Name: "every fault class is required", Pass: len(missing) == 0,
		Measured: "not run: " + orNone(strings.Join(missing, ", ")), Threshold: "all " + fmt.Sprint(len(config.AllFaults))}}
	for _, k := range Classes(p, c) {
		out = append(out, k.Checks...)
	}
	return out
}

func findingsOf(r validate.Report, check string) []validate.Finding {
	var out []validate.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// passes reports whether the check whose ID ends in rule passed.
func passes(cs []Check, rule string) bool {
	for _, c := range cs {
		if strings.HasSuffix(c.ID, "."+rule) && !c.Pass {
			return false
		}
	}
	return true
}

// faultRange renders a class's [min, median, max] fault duration in ms.
func faultRange(v [3]float64) string {
	return fmt.Sprintf("%.0f/%.0f/%.0f", v[0], v[1], v[2])
}

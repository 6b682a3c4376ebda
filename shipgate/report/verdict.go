package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// Each VerdictN recomputes the reasons a phase fails from its measured
// values alone; no reasons means pass. The runner and the aggregator call
// the same functions, so a hand-edited pass:true cannot survive.

// Verdict1 judges one node's functional check.
func Verdict1(p *Phase1, c config.Phase1Config) []string {
	var r []string
	for _, s := range p.Steps {
		if !s.OK {
			r = append(r, fmt.Sprintf("%s failed: %s", s.Name, s.Error))
		}
	}
	if len(p.Steps) == 0 {
		r = append(r, "no step recorded")
	}
	if p.StatsTotal < c.StatsTotalMin {
		r = append(r, fmt.Sprintf("stats.total %d < %d", p.StatsTotal, c.StatsTotalMin))
	}
	if p.RecallCount < c.RecallMin {
		r = append(r, fmt.Sprintf("recall.memories %d < %d", p.RecallCount, c.RecallMin))
	}
	if p.SnapshotCount != c.Snapshots {
		r = append(r, fmt.Sprintf("snapshot %d != %d", p.SnapshotCount, c.Snapshots))
	}
	if p.ManifestCount != c.Snapshots {
		r = append(r, fmt.Sprintf("manifest %d != %d", p.ManifestCount, c.Snapshots))
	}
	if !p.RestoreOK {
		r = append(r, "backup snapshot did not restore the stored memory")
	}
	if p.CuratorErrors > c.CuratorMaxErrors {
		r = append(r, fmt.Sprintf("curator.errors %d > %d", p.CuratorErrors, c.CuratorMaxErrors))
	}
	if p.MCPToolCount < c.MCPToolsMin {
		r = append(r, fmt.Sprintf("mcp.tools %d < %d", p.MCPToolCount, c.MCPToolsMin))
	}
	if !p.RestartSurvival {
		r = append(r, "memory did not survive SIGKILL and restart")
	}
	return r
}

// Verdict2 judges federation: every acknowledged id on every node, probes
// as the contract says, restarted nodes caught up.
func Verdict2(p *Phase2, c config.Phase2Config, nodeTimeout config.Duration) []string {
	var r []string
	if p.TotalWrites != p.ExpectedWrites || p.ExpectedWrites != len(c.Agents)*c.WritesPerAgent {
		r = append(r, fmt.Sprintf("burst sent %d writes, campaign requires %d", p.TotalWrites, len(c.Agents)*c.WritesPerAgent))
	}
	if p.OK == 0 {
		r = append(r, "no write was acknowledged")
	}
	for _, n := range sortedKeys(p.Counts) {
		need := int(c.MinPresentFraction * float64(p.OK))
		if got := p.Counts[n]; got < need || got > p.OK {
			miss := p.MissingIDs[n]
			r = append(r, fmt.Sprintf("node-%s holds %d of %d acknowledged ids (need %d); lost ids: %s", n, got, p.OK, need, ids(miss)))
		}
	}
	if len(p.Counts) != 3 {
		r = append(r, fmt.Sprintf("counts for %d nodes, want 3", len(p.Counts)))
	}
	for _, n := range sortedKeys(p.UnlistedIDs) {
		r = append(r, fmt.Sprintf("node-%s list endpoint omits %d ids it holds (listed %d): %s", n, len(p.UnlistedIDs[n]), p.Listed[n], ids(p.UnlistedIDs[n])))
	}
	if !p.Converged {
		r = append(r, fmt.Sprintf("not converged within %s", c.SettleMax))
	}
	if c := p.Consolidation; !c.Converged {
		r = append(r, fmt.Sprintf("consolidation %s on node-%s did not replicate in %.0f ms: nodes lacking it %v, sources still listed %v %s",
			c.ID, c.Node, c.ConvergeMS, c.Lacking, c.StillListed, c.Error))
	}
	if d := p.Durability; !d.Survived {
		msg := fmt.Sprintf("crash after ack: write %s acknowledged (HTTP %d) by node-a and node-%s was lost when both were SIGKILLed", d.Probe.ID, d.Probe.Status, d.Survivor)
		if d.Error != "" {
			msg += ": " + d.Error
		}
		r = append(r, msg)
	}
	if p.Probe1Detail.QuorumAcks > 2 {
		r = append(r, fmt.Sprintf("probe1 reported %d quorum acks with only 2 nodes alive: an ack was counted twice", p.Probe1Detail.QuorumAcks))
	}
	if p.Probe1 != "201" {
		r = append(r, fmt.Sprintf("probe1 (node b down) got %s, want 201 (W=%d must hold with one peer)", p.Probe1, c.QuorumWrites))
	}
	if p.Probe2 != "503" || p.Probe2Detail.Code != "quorum_not_met" {
		r = append(r, fmt.Sprintf("probe2 (b and c down) got %s %s, want 503 quorum_not_met", p.Probe2, p.Probe2Detail.Code))
	}
	if lim := (c.QuorumTimeout + c.ProbeSlack).D(); p.Probe2Detail.MS > float64(lim.Milliseconds()) {
		r = append(r, fmt.Sprintf("probe2 took %.0f ms, beyond quorum timeout + slack (%s)", p.Probe2Detail.MS, lim))
	}
	if !p.Rejoin.Complete {
		var miss []string
		for _, n := range sortedKeys(p.Rejoin.MissingIDs) {
			if m := p.Rejoin.MissingIDs[n]; len(m) > 0 {
				miss = append(miss, fmt.Sprintf("node-%s missing %d (%s)", n, len(m), ids(m)))
			}
		}
		msg := "rejoin incomplete: " + strings.Join(miss, "; ")
		if p.Rejoin.Error != "" {
			msg += " " + p.Rejoin.Error
		}
		r = append(r, msg)
	}
	for _, e := range p.Errors {
		r = append(r, e)
	}
	if p.TimedOut {
		r = append(r, "phase 2 timed out")
	}
	return r
}

// Verdict3 judges the migration round trip.
func Verdict3(p *Phase3, c config.Phase3Config) []string {
	var r []string
	for _, s := range p.Steps {
		if !s.OK {
			r = append(r, fmt.Sprintf("%s failed: %s", s.Name, s.Error))
		}
	}
	for _, x := range []struct {
		name string
		raw  json.RawMessage
	}{{"forward", p.ReportForward}, {"idempotent", p.ReportIdempotent}, {"reverse", p.ReportReverse}} {
		var m MigrateReport
		if len(x.raw) == 0 || string(x.raw) == "null" || json.Unmarshal(x.raw, &m) != nil {
			r = append(r, fmt.Sprintf("%s migrate report missing or unparsable", x.name))
			continue
		}
		if len(m.Errors) > 0 {
			r = append(r, fmt.Sprintf("%s migrate reported %d errors: %.200v", x.name, len(m.Errors), m.Errors))
		}
		if m.DryRun {
			r = append(r, x.name+" migrate ran dry")
		}
		// An identical second run finds every row at the same version and
		// must write none: that is what idempotent means for our migrate.
		wantWritten := c.Memories
		if x.name == "idempotent" {
			wantWritten = 0
		}
		if m.MemoriesRead != c.Memories || m.MemoriesWritten != wantWritten {
			r = append(r, fmt.Sprintf("%s migrate read %d wrote %d, want %d/%d", x.name, m.MemoriesRead, m.MemoriesWritten, c.Memories, wantWritten))
		}
		switch {
		case m.ContentDigest == nil || m.ContentDigest.Source == "":
			r = append(r, x.name+" migrate report has no content_digest")
		case m.ContentDigest.Source != m.ContentDigest.Destination:
			r = append(r, fmt.Sprintf("%s content digest mismatch: source %s destination %s", x.name, m.ContentDigest.Source, m.ContentDigest.Destination))
		}
	}
	if p.Seeded != c.Memories {
		r = append(r, fmt.Sprintf("seeded %d memories, want %d", p.Seeded, c.Memories))
	}
	if p.SrcCount != p.DstCount || p.SrcCount != c.Memories {
		r = append(r, fmt.Sprintf("src_count %d dst_count %d, want both %d", p.SrcCount, p.DstCount, c.Memories))
	}
	if p.SrcLinks != p.DstLinks || p.SrcLinks != p.SeededLinks {
		r = append(r, fmt.Sprintf("links: seeded %d, source %d, round trip %d", p.SeededLinks, p.SrcLinks, p.DstLinks))
	}
	if p.SrcDigest == "" || p.SrcDigest != p.DstDigest {
		r = append(r, fmt.Sprintf("harness content digest mismatch: source %q round trip %q", p.SrcDigest, p.DstDigest))
	}
	if p.TimedOut {
		r = append(r, "phase 3 timed out")
	}
	return r
}

// Classes judges each configured fault class from its cycles: the
// checker's findings summed, the loss bounds, and whether enough cycles
// showed the fault's effect. A class skipped on this machine never passes.
func Classes(p *Phase4, c config.Phase4Config) []Class {
	var out []Class
	minEff := c.MinEffectiveCycles
	for _, f := range c.Faults {
		k := Class{Fault: f, LostIDs: []string{}, MinEffectiveCycles: minEff, History: "history-phase4-" + f + ".jsonl"}
		var faultMS []float64
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
				k.Reasons = append(k.Reasons, fmt.Sprintf("%s cycle %d: %s", f, cy.Cycle, cy.Error))
			}
			if cy.AckedDuringDiskFault > 0 {
				k.Reasons = append(k.Reasons, fmt.Sprintf("%s cycle %d: %d writes acknowledged by %v while its disk refused every write", f, cy.Cycle, cy.AckedDuringDiskFault, cy.Victims))
			}
		}
		for _, fd := range k.Check.Findings {
			if fd.Check == "lost" && fd.ID != "" && !slices.Contains(k.LostIDs, fd.ID) {
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
		switch {
		case p.Skipped[f] != "":
			k.Skipped = p.Skipped[f]
			k.Invalid = true
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: skipped: %s", f, k.Skipped))
		case k.CyclesRun == 0:
			k.Reasons = append(k.Reasons, f+": no cycle ran")
		case k.CyclesRun < c.Cycles && k.Violations == 0:
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: %d of %d cycles ran", f, k.CyclesRun, c.Cycles))
		}
		if k.Violations > 0 {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: checker found %s", f, summarize(k.Check)))
		}
		if k.Lost > c.MaxLost {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: %d acknowledged writes lost (n=%d, loss rate <= %.4f at 95%%): %s", f, k.Lost, k.N, k.LossRateUB95, ids(k.LostIDs)))
		}
		if k.Bound < c.MinBound {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: convergence_bound %v < %v", f, k.Bound, c.MinBound))
		}
		if k.CyclesRun > 0 && k.EffectiveCycles < minEff {
			k.Invalid = true
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: invalid: only %d of %d cycles showed the fault's effect, want >= %d", f, k.EffectiveCycles, k.CyclesRun, minEff))
		}
		if k.N == 0 && k.CyclesRun > 0 {
			k.Invalid = true
			k.Reasons = append(k.Reasons, f+": invalid: no write acknowledged")
		}
		k.Reasons = nz(k.Reasons)
		k.Pass = len(k.Reasons) == 0
		out = append(out, k)
	}
	return out
}

// Verdict4 judges chaos: every class ran, and each has no checker
// violation, no lost acknowledged write and enough effective cycles.
func Verdict4(p *Phase4, c config.Phase4Config) []string {
	var r []string
	if len(c.Faults) < len(config.AllFaults) {
		for _, f := range config.AllFaults {
			if !slices.Contains(c.Faults, f) {
				r = append(r, f+": not run (every class is required)")
			}
		}
	}
	for _, k := range Classes(p, c) {
		r = append(r, k.Reasons...)
	}
	if p.TimedOut {
		r = append(r, "phase 4 timed out")
	}
	return r
}

// ids quotes up to 5 ids.
func ids(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	if len(s) > 5 {
		return strings.Join(s[:5], ",") + fmt.Sprintf(",... (%d in all)", len(s))
	}
	return strings.Join(s, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// summarize names every violated check with its count and the first
// findings, so a red class says what went wrong and where.
func summarize(r validate.Report) string {
	counts := []struct {
		name string
		n    int
	}{
		{"lost", r.Lost}, {"diverged", r.Diverged}, {"delete_not_propagated", r.DeleteNotPropagated},
		{"corrupt", r.Corrupt}, {"phantom", r.Phantoms}, {"failed_present", r.FailedPresent},
		{"duplicates", r.Duplicates}, {"resurrected", r.Resurrected}, {"stale_read", r.StaleReads},
		{"causal", r.Causal}, {"lost_link", r.LostLinks}, {"undumped", r.Undumped},
	}
	var parts []string
	for _, c := range counts {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.name, c.n))
		}
	}
	out := strings.Join(parts, ", ")
	for i, f := range r.Findings {
		if i == 3 {
			break
		}
		out += fmt.Sprintf("; %s key %s id %s node %s: %s", f.Check, f.Key, f.ID, f.Node, f.Detail)
	}
	return out
}

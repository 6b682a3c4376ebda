package report

import (
	"encoding/json"
	"fmt"
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

// Classes recomputes the per-class results of phase 4 from its cycles.
func Classes(p *Phase4, c config.Phase4Config) []Class {
	var out []Class
	for _, f := range c.Faults {
		k := Class{Fault: f, LostIDs: []string{}}
		present := map[string]int{}
		lost := map[string]bool{}
		for _, cy := range p.Cycles {
			if cy.Fault != f {
				continue
			}
			k.CyclesRun++
			if cy.Valid {
				k.ValidCycles++
			}
			k.N += cy.OK
			for n, v := range cy.Present {
				present[n] += v
			}
			for _, m := range cy.MissingIDs {
				for _, id := range m {
					lost[id] = true
				}
			}
			for _, u := range cy.UnlistedIDs {
				k.Unlisted += len(u)
			}
			if cy.Error != "" {
				k.Reasons = append(k.Reasons, fmt.Sprintf("%s cycle %d: %s", f, cy.Cycle, cy.Error))
			}
		}
		for id := range lost {
			k.LostIDs = append(k.LostIDs, id)
		}
		slices.Sort(k.LostIDs)
		k.Lost = len(k.LostIDs)
		k.Bound = validate.Bound(k.N, present)
		if k.N > 0 && len(present) < 3 {
			k.Bound = 0 // a node never counted cannot be said to hold anything
		}
		k.LossRateUB95 = validate.UpperBound95(k.Lost, k.N)
		switch {
		case k.CyclesRun == 0:
			k.Reasons = append(k.Reasons, f+": no cycle ran")
		case k.CyclesRun < c.Cycles && k.Lost == 0:
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: %d of %d cycles ran", f, k.CyclesRun, c.Cycles))
		}
		if k.Bound < c.MinBound {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: %v < %v", f, k.Bound, c.MinBound))
		}
		if k.Lost > c.MaxLost {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: %d acknowledged writes lost (n=%d, loss rate <= %.4f at 95%%): %s", f, k.Lost, k.N, k.LossRateUB95, ids(k.LostIDs)))
		}
		if k.Unlisted > 0 {
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: list endpoint omitted %d ids that nodes hold", f, k.Unlisted))
		}
		if k.CyclesRun > 0 && float64(k.ValidCycles) < c.MinValidCycleFraction*float64(k.CyclesRun) {
			k.Invalid = true
			k.Reasons = append(k.Reasons, fmt.Sprintf("%s: invalid: only %d of %d cycles had >= %d acknowledged writes before the fault with writes still in flight", f, k.ValidCycles, k.CyclesRun, c.TriggerMinAcked))
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

// Verdict4 judges chaos: every configured class ran, and each has bound >=
// min, no lost acknowledged write, and enough valid cycles.
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

package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// Federation judges phase 2: a fault-free burst fully acknowledged, every
// acknowledged id on every node and in its listing, the consolidation and
// crash-after-ack checks, the probes as the contract says, restarted nodes
// caught up.
func Federation(p *Phase2, c config.Phase2Config) []Check {
	want := len(c.Agents) * c.WritesPerAgent
	out := []Check{
		{ID: "federation.burst_size", Name: "the burst sent the campaign's writes", Pass: p.TotalWrites == want && p.ExpectedWrites == want,
			Measured: fmt.Sprintf("%d sent, %d planned", p.TotalWrites, p.ExpectedWrites), Threshold: fmt.Sprintf("= %d", want)},
		// Nothing is injected during the burst: a write that is not
		// acknowledged is a defect, not bad luck.
		{ID: "federation.burst_acked", Name: "every write of the fault-free burst acknowledged", Pass: want > 0 && p.OK == want,
			Measured:  fmt.Sprintf("%d of %d (failed or unknown %d, quorum_not_met %d)", p.OK, p.TotalWrites, p.Fail, p.QuorumNotMet),
			Threshold: fmt.Sprintf("= %d", want)},
		equal("federation.nodes", "nodes whose holdings were counted", len(p.Counts), 3),
	}
	need := int(c.MinPresentFraction * float64(p.OK))
	for _, n := range sortedKeys(p.Counts) {
		got := p.Counts[n]
		out = append(out, Check{ID: "federation.acked_present", Name: "node-" + n + " holds every acknowledged id",
			Pass:      p.OK > 0 && got >= need && got <= p.OK,
			Measured:  fmt.Sprintf("%d of %d; lost ids: %s", got, p.OK, ids(p.MissingIDs[n])),
			Threshold: fmt.Sprintf("≥ %d (min_present_fraction %g)", need, c.MinPresentFraction)})
	}
	nodes := map[string]bool{}
	for n := range p.Counts {
		nodes[n] = true
	}
	for n := range p.UnlistedIDs {
		nodes[n] = true
	}
	for _, n := range sortedKeys(nodes) {
		u := p.UnlistedIDs[n]
		out = append(out, Check{ID: "federation.list_complete", Name: "node-" + n + " lists every id it holds", Pass: len(u) == 0,
			Measured: fmt.Sprintf("%d omitted (listed %d): %s", len(u), p.Listed[n], ids(u)), Threshold: "0 omitted"})
	}
	conv := fmt.Sprintf("not within %s", c.SettleMax)
	if p.Converged {
		conv = fmt.Sprintf("in %.0f ms", p.ConvergeMS)
	}
	k, d := p.Consolidation, p.Durability
	crash := fmt.Sprintf("%d of %d acknowledged by node-a and node-%s lost when both were SIGKILLed: %s", len(d.Missing), len(d.Acked), d.Survivor, ids(d.Missing))
	if len(d.Acked) != c.CrashWrites {
		crash = fmt.Sprintf("%d of %d writes acknowledged with one peer down; ", len(d.Acked), c.CrashWrites) + crash
	}
	if r := d.Refused; r != nil {
		crash += fmt.Sprintf("; first refusal %d %s %s", r.Status, r.Code, r.Error)
	}
	if d.Error != "" {
		crash += ": " + d.Error
	}
	lim := (c.QuorumTimeout + c.ProbeSlack).D()
	out = append(out,
		Check{ID: "federation.converged", Name: "every acknowledged id on every node", Pass: p.Converged, Measured: conv, Threshold: "within " + c.SettleMax.String()},
		holds("federation.consolidation", "a consolidation reaches every node and its sources leave every listing", k.Converged,
			fmt.Sprintf("%s on node-%s not replicated in %.0f ms: nodes lacking it %v, sources still listed %v %s", k.ID, k.Node, k.ConvergeMS, k.Lacking, k.StillListed, k.Error)),
		holds("federation.crash_after_ack", "acknowledged writes survive SIGKILL of both nodes holding them", d.Survived && len(d.Acked) == c.CrashWrites, crash),
		holds("federation.catch_up_crash", "a node is SIGKILLed while catching up (after pulling from both peers) and restarted", p.CatchUp.Killed && p.CatchUp.Error == "",
			orNone(p.CatchUp.Error)),
		atMost("federation.probe1_acks", "quorum acks reported with one peer down (2 nodes alive)", p.Probe1Detail.QuorumAcks, 2),
		Check{ID: "federation.probe1", Name: "one peer down: a write is accepted", Pass: p.Probe1 == "201",
			Measured: strings.TrimSpace(p.Probe1 + " " + p.Probe1Detail.Code), Threshold: fmt.Sprintf("201 (W=%d with one peer)", c.QuorumWrites)},
		Check{ID: "federation.probe2", Name: "both peers down: the write is refused", Pass: p.Probe2 == "503" && p.Probe2Detail.Code == "quorum_not_met",
			Measured: strings.TrimSpace(p.Probe2 + " " + p.Probe2Detail.Code), Threshold: "503 quorum_not_met"},
		Check{ID: "federation.probe2_time", Name: "both peers down: refused within the quorum timeout", Pass: p.Probe2Detail.MS <= float64(lim.Milliseconds()),
			Measured: fmt.Sprintf("%.0f ms", p.Probe2Detail.MS), Threshold: "≤ " + lim.String() + " (quorum timeout + slack)"},
		holds("federation.rejoin", "restarted nodes catch up on every acknowledged id", p.Rejoin.Complete, rejoinGap(p.Rejoin)),
		Check{ID: "federation.errors", Name: "no harness error", Pass: len(p.Errors) == 0, Measured: orNone(strings.Join(p.Errors, "; ")), Threshold: "none"},
	)
	return out
}

func rejoinGap(r Rejoin) string {
	var miss []string
	for _, n := range sortedKeys(r.MissingIDs) {
		if m := r.MissingIDs[n]; len(m) > 0 {
			miss = append(miss, fmt.Sprintf("node-%s missing %d (%s)", n, len(m), ids(m)))
		}
	}
	return strings.TrimSpace(strings.Join(miss, "; ") + " " + r.Error)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
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

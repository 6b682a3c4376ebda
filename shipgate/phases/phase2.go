package phases

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
	"github.com/aimemory/ai-memory/shipgate/traffic"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// Phase2History is the history file of the federation burst.
const Phase2History = "history-phase2.jsonl"

// Phase2 runs the federation phase on a fresh W=2 trio: a concurrent
// burst spread over all nodes, id-by-id convergence, the two quorum probes
// and the rejoin of the killed nodes.
func Phase2(ctx context.Context, e *Env) *report.Phase2 {
	c := e.Cfg.Phase2
	r := &report.Phase2{Phase: 2, Counts: map[string]int{}, MissingIDs: map[string][]string{}, Reasons: []string{},
		ExpectedWrites: len(c.Agents) * c.WritesPerAgent, Agents: c.Agents, InFlightPerAgent: c.InFlightPerAgent,
		QuorumWrites: c.QuorumWrites, QuorumTimeoutMS: c.QuorumTimeout.D().Milliseconds(), History: Phase2History,
		Probe1: "not run", Probe2: "not run"}
	r.Timing.Start()
	defer func() {
		r.Timing.Finish()
		if ctx.Err() != nil {
			r.TimedOut = true
		}
		r.Reasons = report.Verdict2(r, c, e.Cfg.Node.HTTPTimeout)
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		r.Pass = len(r.Reasons) == 0
	}()
	fail := func(f string, a ...any) { r.Errors = append(r.Errors, fmt.Sprintf(f, a...)) }

	rec, err := history.Create(filepath.Join(e.RunDir, Phase2History), e.Clock)
	if err != nil {
		fail("%v", err)
		return r
	}
	defer func() {
		if err := rec.Close(); err != nil {
			fail("history: %v", err)
		}
		if ops, err := history.Load(filepath.Join(e.RunDir, Phase2History)); err == nil {
			r.Latency = latency(history.Latencies(ops))
		}
	}()

	e.Progress.Set("phase", "2 federation: starting trio")
	dir := filepath.Join(e.WorkDir, "phase2")
	cl, err := cluster.New(ctx, e.Sup, e.Provider, cluster.Spec{
		Names: []string{"a", "b", "c"}, Dir: dir, Lane: 0,
		Node:        e.nodeOptions(2, c.QuorumWrites, c.QuorumTimeout.D(), c.BurstSyncInterval.D()),
		HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
	if err != nil {
		fail("cluster: %v", err)
		return r
	}
	defer cl.Kill()
	if err := cl.Start(ctx); err != nil {
		fail("start trio: %v", err)
		return r
	}

	e.Progress.Set("phase", fmt.Sprintf("2 federation: burst %d writes", r.ExpectedWrites))
	var targets []traffic.Target
	var nodes []validate.Node
	for _, n := range cl.Nodes {
		targets = append(targets, traffic.Target{Name: n.Name, Client: n.Client})
		nodes = append(nodes, validate.Node{Name: n.Name, Client: n.Client})
	}
	tr := traffic.Start(ctx, traffic.Config{
		Phase: 2, Namespace: c.Namespace, Source: "api", Prefix: "phase2", Agents: c.Agents,
		InFlight: c.InFlightPerAgent, Total: r.ExpectedWrites, Targets: targets, Rec: rec,
	})
	res := tr.Wait()
	r.TotalWrites, r.OK, r.QuorumNotMet, r.Unknown = res.Invoked, res.OK, res.QuorumNotMet, res.Unknown-res.QuorumNotMet
	r.Fail = res.Fail + r.Unknown
	r.AckedByNode = res.ByNode
	e.Progress.Set("writes", fmt.Sprintf("%d ok / %d", res.OK, res.Invoked))

	e.Progress.Set("phase", "2 federation: settling")
	conv := validate.Settle(ctx, nodes, c.Namespace, res.AckedIDs, c.SettlePoll.D(), c.SettleMax.D())
	r.Counts, r.MissingIDs, r.UnlistedIDs, r.Listed = conv.Present, conv.Missing, conv.Unlisted, conv.Listed
	r.Converged, r.ConvergeMS, r.ConvergenceSeries = conv.Converged, conv.ConvergeMS, conv.Series
	if len(r.UnlistedIDs) == 0 {
		r.UnlistedIDs = nil
	}
	r.Errors = append(r.Errors, conv.Errors...)
	e.Progress.Logf("phase 2: %d/%d acknowledged, converged=%v in %.0f ms", res.OK, res.Invoked, conv.Converged, conv.ConvergeMS)

	e.Progress.Set("phase", "2 federation: probes")
	a, b, cc := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
	probe := func(ns string) report.Probe {
		select {
		case <-time.After(c.ProbeSettle.D()):
		case <-ctx.Done():
		}
		start := time.Now()
		w := a.Client.Create(ctx, "ai:ship-gate-probe", api.Memory{Title: ns, Content: "quorum probe", Tier: "mid",
			Namespace: ns, Tags: []string{"ship-gate", "probe"}, Priority: 5, Confidence: 1, Source: "api"})
		return report.Probe{Status: w.Status, Code: w.Code, ID: w.ID, MS: ms(time.Since(start)), Error: w.Err}
	}
	b.Kill()
	r.Probe1Detail = probe(c.Namespace + "-probe1")
	r.Probe1 = strconv.Itoa(r.Probe1Detail.Status)
	cc.Kill()
	r.Probe2Detail = probe(c.Namespace + "-probe2")
	r.Probe2 = strconv.Itoa(r.Probe2Detail.Status)
	e.Progress.Logf("phase 2: probe1 %s, probe2 %s %s in %.0f ms", r.Probe1, r.Probe2, r.Probe2Detail.Code, r.Probe2Detail.MS)

	e.Progress.Set("phase", "2 federation: rejoin")
	r.Rejoin = rejoin(ctx, e, cl, []*cluster.Node{b, cc}, c.Namespace, res.AckedIDs, r.Probe1Detail)
	return r
}

// rejoin restarts the killed nodes with anti-entropy on and requires every
// acknowledged id (burst and probe 1) on every node.
func rejoin(ctx context.Context, e *Env, cl *cluster.Cluster, restart []*cluster.Node, ns string, acked []string, p1 report.Probe) report.Rejoin {
	c := e.Cfg.Phase2
	rj := report.Rejoin{MissingIDs: map[string][]string{}}
	sync := strconv.FormatInt(c.RejoinSyncInterval.D().Milliseconds(), 10)
	for _, n := range restart {
		rj.Nodes = append(rj.Nodes, n.Name)
		if err := n.Start(ctx, "--sync-interval-ms", sync); err != nil {
			rj.Error = fmt.Sprintf("restart %s: %v", n.Name, err)
			return rj
		}
	}
	var nodes []validate.Node
	for _, n := range cl.Nodes {
		nodes = append(nodes, validate.Node{Name: n.Name, Client: n.Client})
	}
	start := time.Now()
	burst := validate.Settle(ctx, nodes, ns, acked, c.SettlePoll.D(), c.RejoinMax.D())
	rj.Acked = len(acked)
	rj.Complete = burst.Converged
	for n, m := range burst.Missing {
		rj.MissingIDs[n] = m
	}
	if p1.Status == 201 && p1.ID != "" {
		rj.Acked++
		left := c.RejoinMax.D() - time.Since(start)
		probe := validate.Settle(ctx, nodes, ns+"-probe1", []string{p1.ID}, c.SettlePoll.D(), max(left, c.SettlePoll.D()))
		rj.Complete = rj.Complete && probe.Converged
		for n, m := range probe.Missing {
			rj.MissingIDs[n] = append(rj.MissingIDs[n], m...)
		}
	}
	rj.ConvergeMS = ms(time.Since(start))
	return rj
}

// latency summarises write latencies.
func latency(v []float64) report.Latency {
	if len(v) == 0 {
		return report.Latency{}
	}
	slices.Sort(v)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return math.Round(v[max(i, 0)]*100) / 100
	}
	return report.Latency{N: len(v), P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: q(1)}
}

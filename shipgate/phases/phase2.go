package phases

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
		r.Pass, r.Reasons = report.Record("federation", report.Federation(r, c), r.Timing)
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
	r.AckedByNode, r.AckedIDs = res.ByNode, res.AckedIDs
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

	a, b, cc := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
	e.Progress.Set("phase", "2 federation: consolidation")
	r.Consolidation = consolidation(ctx, e, cl, c.Namespace, res.AckedIDs)
	e.Progress.Set("phase", "2 federation: crash after ack")
	r.Durability = crashAfterAck(ctx, e, cl, c.Namespace+"-durability")
	e.Progress.Set("phase", "2 federation: a crash during catch-up")
	r.CatchUp = catchUpCrash(ctx, e, cl.Nodes[2])
	e.Progress.Logf("phase 2: consolidation converged=%v, crash-after-ack survived=%v, catch-up crash after %.0f ms (pulled %v)",
		r.Consolidation.Converged, r.Durability.Survived, r.CatchUp.PulledMS, r.CatchUp.Pulled)

	e.Progress.Set("phase", "2 federation: probes")
	probe := func(ns string) report.Probe {
		select {
		case <-time.After(c.ProbeSettle.D()):
		case <-ctx.Done():
		}
		return write(ctx, a, ns, ns)
	}
	b.Kill()
	r.Probe1Detail = probe(c.Namespace + "-probe1")
	r.Probe1 = strconv.Itoa(r.Probe1Detail.Status)
	cc.Kill()
	r.Probe2Detail = probe(c.Namespace + "-probe2")
	r.Probe2 = strconv.Itoa(r.Probe2Detail.Status)
	e.Progress.Logf("phase 2: probe1 %s, probe2 %s %s in %.0f ms", r.Probe1, r.Probe2, r.Probe2Detail.Code, r.Probe2Detail.MS)

	// Every acknowledged id must be everywhere after the rejoin: the burst
	// (the consolidated sources replaced by their consolidation), the
	// crash-after-ack write and probe 1.
	expect := map[string][]string{}
	for _, id := range res.AckedIDs {
		if !slices.Contains(r.Consolidation.Sources, id) || r.Consolidation.ID == "" {
			expect[c.Namespace] = append(expect[c.Namespace], id)
		}
	}
	if r.Consolidation.ID != "" {
		expect[c.Namespace] = append(expect[c.Namespace], r.Consolidation.ID)
	}
	if len(r.Durability.Acked) > 0 {
		expect[c.Namespace+"-durability"] = r.Durability.Acked
	}
	if p := r.Probe1Detail; p.Status == 201 && p.ID != "" {
		expect[c.Namespace+"-probe1"] = []string{p.ID}
	}
	e.Progress.Set("phase", "2 federation: rejoin")
	r.Rejoin = rejoin(ctx, e, cl, []*cluster.Node{b, cc}, expect)
	return r
}

// write stores one probe memory titled title through n.
func write(ctx context.Context, n *cluster.Node, ns, title string) report.Probe {
	start := time.Now()
	w := n.Client.Create(ctx, "ai:ship-gate-probe", api.Memory{Title: title, Content: "quorum probe", Tier: "mid",
		Namespace: ns, Tags: []string{"ship-gate", "probe"}, Priority: 5, Confidence: 1, Source: "api"})
	return report.Probe{Status: w.Status, Code: w.Code, ID: w.ID, QuorumAcks: w.QuorumAcks, MS: ms(time.Since(start)), Error: w.Err}
}

// consolidation consolidates three acknowledged memories on node b and
// requires the result on every node and the sources gone from every
// listing: a consolidation is a write like any other.
func consolidation(ctx context.Context, e *Env, cl *cluster.Cluster, ns string, acked []string) report.Consolidation {
	c := e.Cfg.Phase2
	n := cl.Nodes[1]
	k := report.Consolidation{Node: n.Name, StillListed: map[string][]string{}, Lacking: []string{}}
	if len(acked) < 3 {
		k.Error = "fewer than 3 acknowledged writes to consolidate"
		return k
	}
	k.Sources = slices.Clone(acked[:3])
	id, _, err := n.Client.Consolidate(ctx, "ai:ship-gate", ns, "phase2-consolidated", k.Sources)
	if err != nil {
		k.Error = err.Error()
		return k
	}
	k.ID = id
	start := time.Now()
	for {
		k.Lacking, k.StillListed = []string{}, map[string][]string{}
		for _, m := range cl.Nodes {
			if ok, _ := m.Client.Exists(ctx, id); !ok {
				k.Lacking = append(k.Lacking, m.Name)
			}
			ids, err := m.Client.ListIDs(ctx, ns)
			if err != nil {
				k.StillListed[m.Name] = []string{"listing failed: " + err.Error()}
				continue
			}
			for _, src := range k.Sources {
				if slices.Contains(ids, src) {
					k.StillListed[m.Name] = append(k.StillListed[m.Name], src)
				}
			}
		}
		k.ConvergeMS = ms(time.Since(start))
		if k.Converged = len(k.Lacking) == 0 && len(k.StillListed) == 0; k.Converged || time.Since(start) >= c.SettleMax.D() || ctx.Err() != nil {
			return k
		}
		select {
		case <-time.After(c.SettlePoll.D()):
		case <-ctx.Done():
		}
	}
}

// crashAfterAck kills node c, writes to a (so b's ack is the second copy),
// SIGKILLs a and b together and restarts b alone: an acknowledged copy
// must be durable, not waiting in memory. Many writes, several at a time,
// so a node that acknowledges one batch in many early is caught too. Then
// a comes back; c, which missed every write, is left to catchUpCrash.
func crashAfterAck(ctx context.Context, e *Env, cl *cluster.Cluster, ns string) report.Durability {
	a, b, c := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
	d := report.Durability{Survivor: b.Name, Writes: e.Cfg.Phase2.CrashWrites, Acked: []string{}, Missing: []string{}}
	syncMS := strconv.FormatInt(e.Cfg.Phase2.RejoinSyncInterval.D().Milliseconds(), 10)
	restart := func(ns ...*cluster.Node) {
		for _, n := range ns {
			if !n.Alive() {
				if err := n.Start(ctx, "--sync-interval-ms", syncMS); err != nil && d.Error == "" {
					d.Error = fmt.Sprintf("restart %s: %v", n.Name, err)
				}
			}
		}
	}
	// c stays down: catchUpCrash restarts it.
	defer restart(a, b)
	c.Kill()
	probes := make([]report.Probe, d.Writes)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < d.Writes && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				probes[i] = write(ctx, a, ns, fmt.Sprintf("%s-%03d", ns, i))
			}
		}()
	}
	wg.Wait()
	for i, p := range probes {
		switch {
		case p.Status == 201 && p.ID != "":
			d.Acked = append(d.Acked, p.ID)
		case d.Refused == nil:
			d.Refused = &probes[i]
		}
	}
	for _, n := range []*cluster.Node{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); n.Kill() }()
	}
	wg.Wait()
	restart(b)
	for _, id := range d.Acked {
		ok, err := b.Client.Exists(ctx, id)
		if err != nil && d.Error == "" {
			d.Error = err.Error()
		}
		if !ok {
			d.Missing = append(d.Missing, id)
		}
	}
	d.Survived = len(d.Acked) > 0 && len(d.Missing) == 0 && d.Error == ""
	return d
}

// rejoin restarts the killed nodes with anti-entropy on and requires every
// acknowledged id, per namespace, on every node.
func rejoin(ctx context.Context, e *Env, cl *cluster.Cluster, restart []*cluster.Node, expect map[string][]string) report.Rejoin {
	c := e.Cfg.Phase2
	rj := report.Rejoin{MissingIDs: map[string][]string{}}
	syncMS := strconv.FormatInt(c.RejoinSyncInterval.D().Milliseconds(), 10)
	for _, n := range restart {
		rj.Nodes = append(rj.Nodes, n.Name)
		if err := n.Start(ctx, "--sync-interval-ms", syncMS); err != nil {
			rj.Error = fmt.Sprintf("restart %s: %v", n.Name, err)
			return rj
		}
	}
	var nodes []validate.Node
	for _, n := range cl.Nodes {
		nodes = append(nodes, validate.Node{Name: n.Name, Client: n.Client})
	}
	start := time.Now()
	rj.Complete = true
	for _, ns := range slices.Sorted(maps.Keys(expect)) {
		left := max(c.RejoinMax.D()-time.Since(start), c.SettlePoll.D())
		conv := validate.Settle(ctx, nodes, ns, expect[ns], c.SettlePoll.D(), left)
		rj.Acked += len(expect[ns])
		rj.Complete = rj.Complete && conv.Converged
		for n, m := range conv.Missing {
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

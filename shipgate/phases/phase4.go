package phases

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/failpoint"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
	"github.com/aimemory/ai-memory/shipgate/settle"
	"github.com/aimemory/ai-memory/shipgate/traffic"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// Phase4History names the history file of one fault class.
func Phase4History(class string) string { return "history-phase4-" + class + ".jsonl" }

// Phase4 runs every fault class for the configured cycles. Each cycle is a
// fresh fully-meshed trio with fresh databases; cycles are independent, so
// Lanes of them run at once, classes interleaved.
func Phase4(ctx context.Context, e *Env) *report.Phase4 {
	c := e.Cfg.Phase4
	seed := c.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	r := &report.Phase4{Phase: 4, CyclesPerFault: c.Cycles, Faults: c.Faults, Skipped: map[string]string{}, ClockStartUnixMS: e.Clock.StartUnixMS(),
		Lanes: c.Lanes, Seed: seed, ConvergenceByFault: map[string]float64{}, Reasons: []string{}, Cycles: []report.Cycle{}}
	// A provider may be unable to apply a class to its nodes (no FUSE
	// layer without root, no nftables on a host); it says why.
	for _, f := range c.Faults {
		if why := e.Provider.Unsupported(f); why != "" {
			r.Skipped[f] = why
		}
	}
	r.Timing.Start()
	defer func() {
		r.Timing.Finish()
		if ctx.Err() != nil {
			r.TimedOut = true
		}
		r.Class = report.Classes(r, c)
		for _, k := range r.Class {
			r.ConvergenceByFault[k.Fault] = k.Bound
		}
		r.Pass, r.Reasons = report.Record("chaos", report.Chaos(r, c), r.Timing)
	}()

	type classRun struct {
		rec      *history.Recorder
		dumps    *report.DumpWriter
		deadline time.Time
		stopped  atomic.Bool
	}
	classes := map[string]*classRun{}
	for _, f := range c.Faults {
		rec, err := history.Create(filepath.Join(e.RunDir, Phase4History(f)), e.Clock)
		if err != nil {
			r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: err.Error()})
			return r
		}
		dumps, err := report.CreateDumps(filepath.Join(e.RunDir, report.DumpsFile(f)))
		if err != nil {
			rec.Close()
			r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: err.Error()})
			return r
		}
		classes[f] = &classRun{rec: rec, dumps: dumps, deadline: time.Now().Add(c.ClassTimeout.D())}
	}
	defer func() {
		for f, k := range classes {
			if err := k.rec.Close(); err != nil {
				r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: "history: " + err.Error()})
			}
			if err := k.dumps.Close(); err != nil {
				r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: "dumps: " + err.Error()})
			}
		}
	}()

	type item struct {
		class      string
		classIndex int
		cycle      int
	}
	work := make(chan item)
	go func() {
		defer close(work)
		for cy := 1; cy <= c.Cycles; cy++ {
			for i, f := range c.Faults {
				select {
				case work <- item{f, i, cy}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var mu sync.Mutex
	var done, injected, acked atomic.Int64
	total := c.Cycles * len(c.Faults)
	var wg sync.WaitGroup
	for lane := range c.Lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				k := classes[it.class]
				if k.stopped.Load() || ctx.Err() != nil || r.Skipped[it.class] != "" {
					continue
				}
				if time.Now().After(k.deadline) {
					if !k.stopped.Swap(true) {
						mu.Lock()
						r.Cycles = append(r.Cycles, report.Cycle{Fault: it.class, Cycle: it.cycle,
							Error: fmt.Sprintf("class timeout %s reached before cycle %d", c.ClassTimeout, it.cycle)})
						mu.Unlock()
					}
					continue
				}
				cctx, cancel := context.WithDeadline(ctx, k.deadline)
				rng := rand.New(rand.NewPCG(seed, uint64(it.classIndex)<<32|uint64(it.cycle)))
				cy := e.cycle(cctx, it.class, it.cycle, lane, k.rec, k.dumps, rng)
				cancel()
				done.Add(1)
				if cy.Injected {
					injected.Add(1)
				}
				acked.Add(int64(cy.AckedWrites))
				e.Progress.Set("cycle", fmt.Sprintf("%d/%d (%s %d)", done.Load(), total, it.class, it.cycle))
				e.Progress.Set("writes", fmt.Sprintf("%d acknowledged", acked.Load()))
				e.Progress.Set("faults", fmt.Sprintf("%d injected", injected.Load()))
				if d := done.Load(); d%int64(max(total/10, 1)) == 0 {
					e.Progress.Logf("phase 4: %d/%d cycles, %d writes acknowledged, %d faults injected", d, total, acked.Load(), injected.Load())
				}
				if v := cy.Check.Violations(); v > 0 || cy.Error != "" {
					e.Progress.Logf("phase 4: %s cycle %d: %d checker violations, error %q", it.class, it.cycle, v, cy.Error)
					if v > 0 && c.StopClassOnLoss {
						k.stopped.Store(true)
					}
				}
				mu.Lock()
				r.Cycles = append(r.Cycles, cy)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return r
}

// shortName abbreviates a class for titles and namespaces.
func shortName(class string) string {
	var b strings.Builder
	for _, p := range strings.Split(class, "_") {
		b.WriteByte(p[0])
	}
	return b.String()
}

// cycle runs one chaos cycle on a fresh trio and tears it down: the
// workload, the fault drawn for this cycle, settling, the final dumps, and
// the checker over the cycle's history and those dumps.
func (e *Env) cycle(ctx context.Context, class string, n, lane int, rec *history.Recorder, dumps *report.DumpWriter, rng *rand.Rand) (cy report.Cycle) {
	c := e.Cfg.Phase4
	start := time.Now()
	cy = report.Cycle{Fault: class, Cycle: n}
	defer func() { cy.WallMS = ms(time.Since(start)) }()
	dir := filepath.Join(e.WorkDir, "phase4", class, fmt.Sprintf("c%03d", n))
	opts := e.nodeOptions(4, c.QuorumWrites, c.QuorumTimeout.D(), c.SyncInterval.D())
	if class == config.ClockSkew {
		// The clock moves at run time through the fault endpoint, which
		// exists only on nodes started for fault injection.
		opts.Extra = append(slices.Clone(opts.Extra), "--unsafe-fault-injection")
	}
	if fc, _ := config.Class(class); fc.NeedsDisk {
		opts.Disk = true
	}
	cl, err := cluster.New(ctx, e.Sup, e.Provider, cluster.Spec{
		Names: []string{"a", "b", "c"}, Dir: dir, Lane: lane, Node: opts,
		HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
	if err != nil {
		cy.Error = "cluster: " + err.Error()
		return cy
	}
	defer func() {
		cl.Kill()
		os.RemoveAll(dir)
	}()
	err = cl.Start(ctx)
	cy.StartMS = ms(time.Since(start))
	if err != nil {
		cy.Error = "start trio: " + err.Error()
		return cy
	}
	plan := failpoint.Draw(rng, c, class, n, cl.Nodes)
	ops, inj, errs := e.exercise(ctx, &cy, cl, c, fmt.Sprintf("chaos-%s-c%d", shortName(class), n), plan, failpoint.Run, rec, dumps, rng)
	if inj.ActiveToMS > inj.ActiveFromMS {
		cy.AckedDuringDiskFault = validate.AckedWhileRefused(ops, inj.Victims, inj.ActiveFromMS, inj.ActiveToMS)
	}
	cy.Error = strings.Join(errs, "; ")
	return cy
}

// injector fires a drawn fault into a cluster once the workload has
// acknowledged trigger operations (failpoint.Run, failpoint.RunShared).
type injector func(ctx context.Context, cl *cluster.Cluster, p failpoint.Plan, waitAcked func(context.Context, int) bool, trigger int, rec *history.Log, phase int) failpoint.Injection

// exercise is the body of every chaos cycle on a started cluster: the
// workload in namespace ns, the drawn fault fired through inject, the
// workload going on after the heal, settling, the nodes' dumps (kept in
// dumps), the checker and the effect rule, all recorded in cy. It returns
// the cycle's operations, the injection and the errors met, for the
// caller's own checks.
func (e *Env) exercise(ctx context.Context, cy *report.Cycle, cl *cluster.Cluster, c config.Phase4Config, ns string, plan failpoint.Plan, inject injector, rec *history.Recorder, dumps *report.DumpWriter, rng *rand.Rand) ([]history.Op, failpoint.Injection, []string) {
	var targets []traffic.Target
	var nodes []validate.Node
	for _, nd := range cl.Nodes {
		targets = append(targets, traffic.Target{Name: nd.Name, Client: nd.Traffic})
		nodes = append(nodes, validate.Node{Name: nd.Name, Client: nd.Client})
	}
	n := cy.Cycle
	trigger := c.TriggerMinOps + rng.IntN(c.TriggerMaxOps-c.TriggerMinOps+1)
	cy.FaultMS, cy.SkewMS, cy.DelayMS, cy.Trigger = ms(plan.Duration), ms(plan.Skew), ms(plan.Delay), trigger
	log := rec.Cycle()
	trafficStart := time.Now()
	wl := traffic.StartWorkload(ctx, traffic.WorkloadConfig{
		Phase: 4, Class: cy.Fault, Cycle: n, Namespace: ns, Keys: c.Keys, Agents: c.Agents, PerAgent: c.InFlightPerAgent,
		Targets: targets, Rec: log, ProcBase: n * 1000, MaxOps: c.MaxOps, Think: c.Think.D(), Seed: rng.Uint64(),
		FaultAfter: trigger,
	})
	inj := inject(ctx, cl, plan, wl.WaitAcked, trigger, log, 4)
	cy.AckedBefore = wl.Acked()
	select {
	case <-time.After(c.AfterHeal.D()):
	case <-ctx.Done():
	}
	wl.Stop()
	cy.TrafficMS = ms(time.Since(trafficStart))
	cy.Victims, cy.Injected, cy.FaultAtMS, cy.HealAtMS = inj.Victims, inj.Injected, inj.AtMS, inj.HealedAtMS
	cy.Dropped, cy.BytesCut = inj.Dropped, inj.BytesCut
	var errs []string
	if inj.Err != "" {
		errs = append(errs, "fault: "+inj.Err)
	}
	for _, nd := range cl.Nodes {
		if !nd.Alive() {
			errs = append(errs, fmt.Sprintf("node %s is down after the fault healed", nd.Name))
		}
	}
	conv := settle.Converge(ctx, nodes, ns, c.SettlePoll.D(), c.SettleMax.D())
	cy.Converged, cy.ConvergeMS = conv.Converged, conv.ConvergeMS
	dumps.Add(n, conv.Dumps)
	ops := log.Ops()
	t := history.Count(ops)
	cy.Ops, cy.OK, cy.Fail, cy.Unknown, cy.QuorumNotMet = t.Invoked, t.OK, t.Fail, t.Unknown, t.QuorumNotMet
	cy.Check = validate.Check(ops, conv.Dumps)
	cy.AckedWrites = cy.Check.AckedWrites
	cy.Valid = inj.Injected && cy.AckedBefore >= c.TriggerMinOps
	if cy.Valid {
		cy.Effective, cy.EffectEvidence = validate.Effective(ops, report.EffectWindow(*cy, e.Clock.StartUnixMS()))
	}
	if !conv.Converged {
		errs = append(errs, fmt.Sprintf("nodes did not reach one state within %s", c.SettleMax))
	}
	for _, d := range conv.Dumps {
		if d.Err != "" {
			errs = append(errs, fmt.Sprintf("dump of node %s: %s", d.Node, d.Err))
		}
	}
	return ops, inj, errs
}

package phases

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/failpoint"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
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
	r := &report.Phase4{Phase: 4, CyclesPerFault: c.Cycles, WritesPerCycle: c.Writes, Faults: c.Faults,
		Lanes: c.Lanes, Seed: seed, ConvergenceByFault: map[string]float64{}, Reasons: []string{}, Cycles: []report.Cycle{}}
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
		r.Reasons = report.Verdict4(r, c)
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		r.Pass = len(r.Reasons) == 0
	}()

	type classRun struct {
		rec      *history.Recorder
		deadline time.Time
		stopped  atomic.Bool
		start    time.Time
		last     atomic.Int64 // unix nanos of the last cycle end
	}
	classes := map[string]*classRun{}
	for _, f := range c.Faults {
		rec, err := history.Create(filepath.Join(e.RunDir, Phase4History(f)), e.Clock)
		if err != nil {
			r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: err.Error()})
			return r
		}
		classes[f] = &classRun{rec: rec, deadline: time.Now().Add(c.ClassTimeout.D()), start: time.Now()}
	}
	defer func() {
		for f, k := range classes {
			if err := k.rec.Close(); err != nil {
				r.Cycles = append(r.Cycles, report.Cycle{Fault: f, Error: "history: " + err.Error()})
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
				if k.stopped.Load() || ctx.Err() != nil {
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
				cy := e.cycle(cctx, it.class, it.cycle, lane, k.rec, rng)
				cancel()
				done.Add(1)
				if cy.Injected {
					injected.Add(1)
				}
				acked.Add(int64(cy.OK))
				e.Progress.Set("cycle", fmt.Sprintf("%d/%d (%s %d)", done.Load(), total, it.class, it.cycle))
				e.Progress.Set("writes", fmt.Sprintf("%d acknowledged", acked.Load()))
				e.Progress.Set("faults", fmt.Sprintf("%d injected", injected.Load()))
				if d := done.Load(); d%int64(max(total/10, 1)) == 0 {
					e.Progress.Logf("phase 4: %d/%d cycles, %d writes acknowledged, %d faults injected", d, total, acked.Load(), injected.Load())
				}
				lost := 0
				for _, m := range cy.MissingIDs {
					lost += len(m)
				}
				if lost > 0 || cy.Error != "" {
					e.Progress.Logf("phase 4: %s cycle %d: %d missing ids, error %q", it.class, it.cycle, lost, cy.Error)
					if lost > 0 && c.StopClassOnLoss {
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

// cycle runs one chaos cycle on a fresh trio and tears it down.
func (e *Env) cycle(ctx context.Context, class string, n, lane int, rec *history.Recorder, rng *rand.Rand) (cy report.Cycle) {
	c := e.Cfg.Phase4
	start := time.Now()
	cy = report.Cycle{Fault: class, Cycle: n, Writes: c.Writes, Present: map[string]int{}, MissingIDs: map[string][]string{}}
	defer func() { cy.WallMS = ms(time.Since(start)) }()
	dir := filepath.Join(e.WorkDir, "phase4", class, fmt.Sprintf("c%03d", n))
	cl, err := cluster.New(ctx, e.Sup, e.Provider, cluster.Spec{
		Names: []string{"a", "b", "c"}, Dir: dir, Lane: lane,
		Node:        e.nodeOptions(4, c.QuorumWrites, c.QuorumTimeout.D(), c.SyncInterval.D()),
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
	var targets []traffic.Target
	var nodes []validate.Node
	for _, nd := range cl.Nodes {
		targets = append(targets, traffic.Target{Name: nd.Name, Client: nd.Client})
		nodes = append(nodes, validate.Node{Name: nd.Name, Client: nd.Client})
	}
	victim := cl.Nodes[rng.IntN(len(cl.Nodes))]
	skew := c.ClockSkew.D()
	if n%2 == 0 {
		skew = -skew
	}
	p := failpoint.Params{Class: class, Duration: c.FaultDuration.D(), Skew: skew, Phase: 4, Cycle: n,
		Trigger: failpoint.Trigger(rng, c.TriggerMinAcked, c.TriggerMaxFraction, c.Writes)}
	cy.Victim, cy.Trigger = victim.Name, p.Trigger
	ns := fmt.Sprintf("chaos-%s-c%d", shortName(class), n)
	trafficStart := time.Now()
	tr := traffic.Start(ctx, traffic.Config{
		Phase: 4, Class: class, Cycle: n, Namespace: ns, Source: "chaos", Prefix: fmt.Sprintf("%s-c%03d", shortName(class), n),
		Agents: c.Agents, InFlight: c.InFlightPerAgent, Total: c.Writes, Targets: targets, Rec: rec, ProcBase: n * 1000,
	})
	inj := failpoint.Run(ctx, p, cl, victim, tr, rec)
	res := tr.Wait()
	cy.TrafficMS = ms(time.Since(trafficStart))
	errs := []string{}
	if inj.Err != nil && inj.Injected {
		errs = append(errs, "fault: "+inj.Err.Error())
	}
	if err := failpoint.AfterTraffic(ctx, p, victim, rec); err != nil {
		errs = append(errs, "restart: "+err.Error())
	}
	cy.OK, cy.QuorumNotMet, cy.Fail, cy.Unknown = res.OK, res.QuorumNotMet, res.Fail, res.Unknown-res.QuorumNotMet
	cy.Injected, cy.AckedBefore, cy.InFlightAt, cy.FaultAtMS, cy.HealAtMS = inj.Injected, inj.AckedBefore, inj.InFlightAt, inj.AtMS, inj.HealedAtMS
	cy.Valid = inj.Injected && inj.AckedBefore >= c.TriggerMinAcked && inj.InFlightAt > 0

	conv := validate.Settle(ctx, nodes, ns, res.AckedIDs, c.SettlePoll.D(), c.SettleMax.D())
	cy.Bound, cy.Present, cy.Converged, cy.ConvergeMS = conv.Bound(), conv.Present, conv.Converged, conv.ConvergeMS
	for nd, m := range conv.Missing {
		if len(m) > 0 {
			cy.MissingIDs[nd] = m
		}
	}
	if len(conv.Unlisted) > 0 {
		cy.UnlistedIDs = conv.Unlisted
	}
	cy.ConvergeError = conv.Errors
	if len(errs) > 0 {
		cy.Error = strings.Join(errs, "; ")
	}
	return cy
}

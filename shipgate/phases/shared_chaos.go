package phases

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/failpoint"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// SharedHistory names the history file of one shared-postgres class.
func SharedHistory(class string) string { return "history-shared-" + class + ".jsonl" }

// sharedChaos runs every shared-postgres class for c.Chaos.Cycles cycles,
// one cycle at a time (db_stop takes the one server down for everyone),
// each on fresh nodes and a fresh schema, and judges each with the chaos
// checker unchanged. refused collects writes acknowledged while the
// database was certainly out of reach.
func (e *Env) sharedChaos(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig, refused, unanswered map[string]int) *report.Phase4 {
	p4 := c.Chaos
	seed := p4.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	r := &report.Phase4{Phase: 4, CyclesPerFault: p4.Cycles, Faults: p4.Faults, Lanes: 1, Seed: seed,
		ClockStartUnixMS: e.Clock.StartUnixMS(), ConvergenceByFault: map[string]float64{}, Reasons: []string{}, Cycles: []report.Cycle{}}
	r.Timing.Start()
	defer func() {
		r.Timing.Finish()
		r.TimedOut = ctx.Err() != nil
		r.Class = report.Classes(r, p4)
		for _, k := range r.Class {
			r.ConvergenceByFault[k.Fault] = k.Bound
			r.Reasons = append(r.Reasons, k.Reasons...)
		}
		r.Pass = len(r.Reasons) == 0
	}()
	for ci, class := range p4.Faults {
		rec, err := history.Create(filepath.Join(e.RunDir, SharedHistory(class)), e.Clock)
		if err != nil {
			r.Cycles = append(r.Cycles, report.Cycle{Fault: class, Error: err.Error()})
			continue
		}
		dumps, err := report.CreateDumps(filepath.Join(e.RunDir, "dumps-shared-"+class+".jsonl"))
		if err != nil {
			rec.Close()
			r.Cycles = append(r.Cycles, report.Cycle{Fault: class, Error: err.Error()})
			continue
		}
		for n := 1; n <= p4.Cycles && ctx.Err() == nil; n++ {
			rng := rand.New(rand.NewPCG(seed, uint64(ci)<<32|uint64(n)))
			cy, refusedAcks, hung := e.sharedCycle(ctx, d, c, class, n, rec, dumps, rng)
			refused[fmt.Sprintf("%s/%d", class, n)] = refusedAcks
			unanswered[fmt.Sprintf("%s/%d", class, n)] = hung
			if v := cy.Check.Violations(); v > 0 || cy.Error != "" || refusedAcks > 0 {
				e.Progress.Logf("shared-postgres: %s cycle %d: %d violations, %d acknowledged while unreachable, error %q", class, n, v, refusedAcks, cy.Error)
			}
			r.Cycles = append(r.Cycles, cy)
			e.Progress.Set("cycle", fmt.Sprintf("%s %d/%d", class, n, p4.Cycles))
		}
		rec.Close()
		dumps.Close()
	}
	return r
}

// sharedCycle is phase 4's cycle on shared-postgres nodes: the same
// workload, the drawn fault, settling, dumps and checker; plus, for the
// database classes, the count of writes acknowledged while the database
// was out of the acknowledging node's reach.
func (e *Env) sharedCycle(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig, class string, n int, rec *history.Recorder, dumps *report.DumpWriter, rng *rand.Rand) (cy report.Cycle, refused, unanswered int) {
	p4 := c.Chaos
	start := time.Now()
	cy = report.Cycle{Fault: class, Cycle: n}
	defer func() { cy.WallMS = ms(time.Since(start)) }()
	dir := filepath.Join(e.WorkDir, "shared", class, fmt.Sprintf("c%03d", n))
	cl, done, err := e.sharedCluster(ctx, d, 4, dir, fmt.Sprintf("%s_c%03d", class, n), nodeNames(c.Nodes))
	if err != nil {
		cy.Error = "cluster: " + err.Error()
		return cy, 0, 0
	}
	defer done()
	err = cl.Start(ctx)
	cy.StartMS = ms(time.Since(start))
	if err != nil {
		cy.Error = "start nodes: " + err.Error()
		return cy, 0, 0
	}
	plan := failpoint.Draw(rng, p4, class, n, cl.Nodes)
	plan.DB = d
	if class == config.DBStop {
		plan.Victims = cl.Nodes // the server is down for every node
	}
	ops, inj, errs := e.exercise(ctx, &cy, cl, p4, fmt.Sprintf("shared-%s-c%d", shortName(class), n), plan, failpoint.RunShared, rec, dumps, rng)
	if inj.ActiveToMS > inj.ActiveFromMS {
		refused = validate.AckedWhileRefused(ops, inj.Victims, inj.ActiveFromMS, inj.ActiveToMS)
		unanswered = noAnswer(ops, inj.Victims, inj.ActiveFromMS, inj.ActiveToMS)
	}
	cy.Error = strings.Join(errs, "; ")
	return cy, refused, unanswered
}

// noAnswer counts writes through victims invoked in (from, to) that got
// no HTTP answer at all: a node cut from its database must say 503 within
// its operation timeout, not leave the client to time out.
func noAnswer(ops []history.Op, victims []string, from, to float64) int {
	invoked := map[int]history.Op{}
	n := 0
	for _, o := range ops {
		switch o.Op {
		case history.Invoke:
			invoked[o.Proc] = o
		case history.Unknown:
			inv, ok := invoked[o.Proc]
			if ok && inv.TMS > from && inv.TMS < to && slices.Contains(victims, inv.Node) && o.Status == 0 &&
				(inv.Kind == history.Put || inv.Kind == history.Update || inv.Kind == history.Delete || inv.Kind == history.Link) {
				n++
			}
		}
	}
	return n
}

// sqliteCluster prepares SQLite nodes without federation, for comparison.
func (e *Env) sqliteCluster(ctx context.Context, dir string, names []string) (*cluster.Cluster, error) {
	return cluster.New(ctx, e.Sup, cluster.Local{}, cluster.Spec{
		Names: names, Dir: dir, Node: e.nodeOptions(2, 0, 0, 0), HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
}

// loadAvg is the first three fields of /proc/loadavg ("" if unreadable).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

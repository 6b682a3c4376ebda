// Package failpoint injects the chaos fault classes into a running cluster
// while the workload runs, holds each for its drawn duration and heals it.
// Every fault is real: SIGKILL, SIGSTOP, blackholed or one-way links, lost
// answers, delayed bytes, a moved clock, a power cut that drops unsynced
// bytes, a full or failing disk. All classes are in one table (Faults).
package failpoint

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Plan is one cycle's draw: who is hit, for how long, and how hard.
type Plan struct {
	Class    string
	Cycle    int
	Victims  []*cluster.Node
	Duration time.Duration
	Skew     time.Duration // clock_skew: signed offset
	SetBack  bool          // clock_skew: also restart the victim with its clock set back
	Delay    time.Duration // latency: round-trip delay at most
	DropP    float64       // drop_acks: probability an answer is lost
	DB       Database      // db_stop, db_partition: the shared database
}

// Injection is what happened, for the cycle's record and the effect check.
type Injection struct {
	Victims    []string `json:"victims"`
	Injected   bool     `json:"injected"`
	AtMS       float64  `json:"fault_at_ms"`
	HealedAtMS float64  `json:"heal_at_ms"`
	// Dropped answers (drop_acks) and bytes thrown away by a power cut
	// (power_loss, disk_error): the evidence that those faults did something.
	Dropped  int64 `json:"dropped_answers,omitempty"`
	BytesCut int64 `json:"bytes_cut,omitempty"`
	// ActiveFromMS..ActiveToMS is when a disk fault was certainly in
	// force: after the layer confirmed it, before it was cleared.
	ActiveFromMS float64 `json:"active_from_ms,omitempty"`
	ActiveToMS   float64 `json:"active_to_ms,omitempty"`
	Err          string  `json:"error,omitempty"`

	now func() float64
}

// Fault is one class's injection: it applies the fault, holds it for
// p.Duration, heals it (restarting killed nodes) and reports what it did.
type Fault struct {
	Name   string
	Inject func(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error
}

// Faults is every class, keyed by the names in config.FaultClasses.
var Faults = []Fault{
	{config.KillNode, killNodes},
	{config.KillMajority, killNodes},
	{config.PartitionMinority, partition},
	{config.PartitionAsymmetric, partitionOutbound},
	{config.PauseNode, pause},
	{config.DropAcks, dropAcks},
	{config.Latency, latency},
	{config.ClockSkew, clockSkew},
	{config.PowerLoss, powerLoss},
	{config.DiskFull, diskFull},
	{config.DiskError, diskError},
}

// Lookup finds a class's injection.
func Lookup(name string) (Fault, bool) {
	for _, f := range Faults {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// Draw picks the cycle's victims and fault size from rng.
func Draw(rng *rand.Rand, c config.Phase4Config, class string, cycle int, nodes []*cluster.Node) Plan {
	p := Plan{Class: class, Cycle: cycle, Duration: logUniform(rng, c.FaultMin.D(), c.FaultMax.D())}
	perm := rng.Perm(len(nodes))
	victims := 1
	switch class {
	case config.KillMajority:
		victims = len(nodes)/2 + 1
		if cycle%3 == 0 {
			victims = len(nodes)
		}
	case config.PowerLoss:
		// One node, then a majority, then the whole cluster: only a cut of
		// at least W nodes can take every copy of a write with it.
		victims = []int{len(nodes), 1, len(nodes)/2 + 1}[cycle%3]
	}
	for _, i := range perm[:victims] {
		p.Victims = append(p.Victims, nodes[i])
	}
	switch class {
	case config.ClockSkew:
		p.Skew = logUniform(rng, c.SkewMin.D(), c.SkewMax.D())
		if rng.IntN(2) == 0 {
			p.Skew = -p.Skew
		}
		p.SetBack = cycle%3 == 0
	case config.Latency:
		p.Delay = time.Duration(rng.Int64N(int64(c.LatencyMax.D())) + 1)
	case config.DropAcks:
		p.DropP = c.DropAckProbability
	}
	return p
}

// logUniform draws from [lo, hi] so that each order of magnitude is as
// likely as the next: short faults and ones far beyond the quorum timeout
// both occur.
func logUniform(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	return time.Duration(math.Exp(l + rng.Float64()*(h-l)))
}

// Run waits until the workload has acknowledged trigger operations, then
// injects p, holds it and heals it, noting both moments in rec.
func Run(ctx context.Context, cl *cluster.Cluster, p Plan, waitAcked func(context.Context, int) bool, trigger int, rec *history.Log, phase int) Injection {
	return run(ctx, Lookup, cl, p, waitAcked, trigger, rec, phase)
}

func run(ctx context.Context, lookup func(string) (Fault, bool), cl *cluster.Cluster, p Plan, waitAcked func(context.Context, int) bool, trigger int, rec *history.Log, phase int) Injection {
	var inj Injection
	for _, v := range p.Victims {
		inj.Victims = append(inj.Victims, v.Name)
	}
	f, ok := lookup(p.Class)
	if !ok {
		inj.Err = fmt.Sprintf("unknown fault class %q", p.Class)
		return inj
	}
	if !waitAcked(ctx, trigger) {
		inj.Err = fmt.Sprintf("workload ended before %d acknowledged operations", trigger)
		return inj
	}
	note := func(what string) {
		rec.Add(history.Op{Op: history.Fault, Proc: -1, Phase: phase, Class: p.Class, Cycle: p.Cycle, Note: what})
	}
	note(fmt.Sprintf("inject %s on %v for %s", p.Class, inj.Victims, p.Duration.Round(time.Millisecond)))
	inj.now = rec.Clock().MS
	inj.Injected, inj.AtMS = true, inj.now()
	if err := f.Inject(ctx, cl, p, &inj); err != nil {
		inj.Err = err.Error()
	}
	inj.HealedAtMS = rec.Clock().MS()
	note("heal " + p.Class)
	return inj
}

// hold waits out the fault's duration (or the context).
func hold(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

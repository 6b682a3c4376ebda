// Package failpoint injects the four chaos fault classes into a running
// cluster at a random moment while writes are in flight, and heals them.
// Every fault is real: SIGKILL, a cut network, SIGSTOP, a skewed clock.
package failpoint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/traffic"
)

// Params shape one injection.
type Params struct {
	Class    string
	Duration time.Duration // partition and SIGSTOP length
	Skew     time.Duration // signed clock skew
	Trigger  int           // fire after this many acknowledged writes
	Phase    int
	Cycle    int
}

// Injection is what happened.
type Injection struct {
	Victim      string
	Injected    bool
	AckedBefore int
	InFlightAt  int
	AtMS        float64
	HealedAtMS  float64
	Err         error
}

// Trigger draws the random moment: a number of acknowledged writes between
// min and frac*writes (at least min).
func Trigger(rng *rand.Rand, min int, frac float64, writes int) int {
	hi := int(frac * float64(writes))
	if hi <= min {
		return min
	}
	return min + rng.IntN(hi-min+1)
}

// Run waits for the trigger, injects the fault into victim, holds it for
// its duration and heals it, recording fault lines in rec. A killed node is
// restarted only after the traffic ends (its restart is part of settling).
// It returns once the fault is healed or the traffic ended before the
// trigger (Injected false: the cycle is invalid).
func Run(ctx context.Context, p Params, cl *cluster.Cluster, victim *cluster.Node, tr *traffic.Run, rec *history.Recorder) Injection {
	inj := Injection{Victim: victim.Name}
	note := func(what string) {
		rec.Add(history.Op{Op: history.Fault, Proc: -1, Phase: p.Phase, Class: p.Class, Cycle: p.Cycle, Node: victim.Name, Note: what})
	}
	if !tr.WaitAcked(ctx, p.Trigger) {
		inj.Err = fmt.Errorf("traffic ended with %d acknowledged writes, before the trigger at %d", tr.Acked(), p.Trigger)
		return inj
	}
	inj.AckedBefore, inj.InFlightAt = tr.Acked(), tr.InFlight()
	inj.AtMS = rec.Clock().MS()
	inj.Injected = true
	hold := func() {
		select {
		case <-time.After(p.Duration):
		case <-ctx.Done():
		}
	}
	switch p.Class {
	case config.KillPrimary:
		note("SIGKILL")
		victim.Kill()
		inj.HealedAtMS = rec.Clock().MS() // healed by the restart after traffic
	case config.PartitionMin:
		note("partition")
		if err := cl.Partition(victim); err != nil {
			inj.Err = err
		}
		hold()
		inj.Err = firstErr(inj.Err, cl.Net.Heal())
		inj.HealedAtMS = rec.Clock().MS()
		note("heal")
	case config.DropAcks:
		note("SIGSTOP")
		inj.Err = victim.Pause()
		hold()
		inj.Err = firstErr(inj.Err, victim.Resume())
		inj.HealedAtMS = rec.Clock().MS()
		note("SIGCONT")
	case config.ClockSkewPeer:
		note(fmt.Sprintf("restart with clock-skew=%s", skewArg(p.Skew)))
		inj.Err = victim.Restart(ctx, "--unsafe-fault-injection", "--fault", "clock-skew="+skewArg(p.Skew))
		inj.HealedAtMS = rec.Clock().MS()
		note("skewed node healthy")
	default:
		inj.Err = fmt.Errorf("unknown fault class %q", p.Class)
	}
	return inj
}

// AfterTraffic completes a fault once the writes have ended: a killed
// coordinator is started again so it, too, must converge.
func AfterTraffic(ctx context.Context, p Params, victim *cluster.Node, rec *history.Recorder) error {
	if p.Class != config.KillPrimary || victim.Alive() {
		return nil
	}
	err := victim.Start(ctx)
	rec.Add(history.Op{Op: history.Fault, Proc: -1, Phase: p.Phase, Class: p.Class, Cycle: p.Cycle, Node: victim.Name, Note: "restarted"})
	return err
}

// skewArg renders a signed duration the way the fault switch takes it.
func skewArg(d time.Duration) string {
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

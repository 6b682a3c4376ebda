package failpoint

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
)

// The documented classes and the injected ones are the same list, in the
// same order: a class cannot be described without being run, or the other
// way round.
func TestEveryDocumentedClassIsInjected(t *testing.T) {
	if len(Faults) != len(config.FaultClasses) {
		t.Fatalf("%d injections for %d documented classes", len(Faults), len(config.FaultClasses))
	}
	for i, f := range Faults {
		if f.Name != config.FaultClasses[i].Name || f.Inject == nil {
			t.Fatalf("injection %d is %q, documented class is %q", i, f.Name, config.FaultClasses[i].Name)
		}
	}
}

func TestDrawSpansTheQuorumTimeout(t *testing.T) {
	c := config.Default().Phase4
	nodes := []*cluster.Node{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	rng := rand.New(rand.NewPCG(1, 2))
	var below, above int
	for cycle := 1; cycle <= 300; cycle++ {
		p := Draw(rng, c, config.KillMajority, cycle, nodes)
		if p.Duration < c.FaultMin.D() || p.Duration > c.FaultMax.D() {
			t.Fatalf("duration %s outside [%s, %s]", p.Duration, c.FaultMin, c.FaultMax)
		}
		if p.Duration < c.QuorumTimeout.D() {
			below++
		} else {
			above++
		}
		want := 2
		if cycle%3 == 0 {
			want = 3
		}
		if len(p.Victims) != want {
			t.Fatalf("kill_majority cycle %d: %d victims, want %d", cycle, len(p.Victims), want)
		}
	}
	if below < 50 || above < 50 {
		t.Fatalf("durations not spread around the quorum timeout: %d below, %d above", below, above)
	}
	for cycle := 1; cycle <= 50; cycle++ {
		p := Draw(rng, c, config.ClockSkew, cycle, nodes)
		if a := max(p.Skew, -p.Skew); a < c.SkewMin.D() || a > c.SkewMax.D() || len(p.Victims) != 1 {
			t.Fatalf("skew %s outside [%s, %s]", p.Skew, c.SkewMin, c.SkewMax)
		}
		if p.SetBack != (cycle%3 == 0) {
			t.Fatalf("cycle %d: set-back %v", cycle, p.SetBack)
		}
	}
	for cycle, want := range map[int]int{1: 1, 2: 2, 3: 3, 4: 1} {
		if p := Draw(rng, c, config.PowerLoss, cycle, nodes); len(p.Victims) != want {
			t.Fatalf("power_loss cycle %d: %d victims, want %d", cycle, len(p.Victims), want)
		}
	}
	if p := Draw(rng, c, config.Latency, 1, nodes); p.Delay <= 0 || p.Delay > c.LatencyMax.D() {
		t.Fatalf("latency %s outside (0, %s]", p.Delay, c.LatencyMax)
	}
	if d := logUniform(rng, time.Second, time.Second); d != time.Second {
		t.Fatalf("degenerate range gave %s", d)
	}
}

// The shared-postgres classes are documented and injected alike.
func TestEverySharedClassIsInjected(t *testing.T) {
	if len(SharedFaults) != len(config.SharedFaultClasses) {
		t.Fatalf("%d injections for %d documented classes", len(SharedFaults), len(config.SharedFaultClasses))
	}
	for i, f := range SharedFaults {
		if f.Name != config.SharedFaultClasses[i].Name || f.Inject == nil {
			t.Fatalf("injection %d is %q, documented class is %q", i, f.Name, config.SharedFaultClasses[i].Name)
		}
	}
}

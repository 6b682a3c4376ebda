package gate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/gate"
)

// TestEveryProfileRuleGoesRed weakens one field at a time and requires the
// release profile to name exactly that field; the defaults are the floor.
func TestEveryProfileRuleGoesRed(t *testing.T) {
	dur := func(d time.Duration) config.Duration { return config.Duration(d) }
	weaker := map[string]func(c *config.Campaign){
		"phases":                      func(c *config.Campaign) { c.Phases = []int{1, 2, 4} },
		"node_args":                   func(c *config.Campaign) { c.NodeArgs = []string{"--fault", "skip-fsync"} },
		"phase_node_args":             func(c *config.Campaign) { c.PhaseNodeArgs = map[string][]string{"2": {"--fault", "list-cap-20"}} },
		"phase1.recall_min":           func(c *config.Campaign) { c.Phase1.RecallMin = 0 },
		"phase1.stats_total_min":      func(c *config.Campaign) { c.Phase1.StatsTotalMin = 0 },
		"phase1.snapshots":            func(c *config.Campaign) { c.Phase1.Snapshots = 2 },
		"phase1.curator_max_errors":   func(c *config.Campaign) { c.Phase1.CuratorMaxErrors = 1 },
		"phase1.mcp_tools_min":        func(c *config.Campaign) { c.Phase1.MCPToolsMin = 1 },
		"phase2.agents":               func(c *config.Campaign) { c.Phase2.Agents = c.Phase2.Agents[:1] },
		"phase2.writes_per_agent":     func(c *config.Campaign) { c.Phase2.WritesPerAgent = 1 },
		"phase2.in_flight_per_agent":  func(c *config.Campaign) { c.Phase2.InFlightPerAgent = 1 },
		"phase2.quorum_writes":        func(c *config.Campaign) { c.Phase2.QuorumWrites = 1 },
		"phase2.burst_sync_interval":  func(c *config.Campaign) { c.Phase2.BurstSyncInterval = dur(time.Second) },
		"phase2.settle_max":           func(c *config.Campaign) { c.Phase2.SettleMax = dur(time.Hour) },
		"phase2.rejoin_max":           func(c *config.Campaign) { c.Phase2.RejoinMax = dur(time.Hour) },
		"phase2.probe_slack":          func(c *config.Campaign) { c.Phase2.ProbeSlack = dur(time.Hour) },
		"phase2.crash_writes":         func(c *config.Campaign) { c.Phase2.CrashWrites = 1 },
		"phase2.min_present_fraction": func(c *config.Campaign) { c.Phase2.MinPresentFraction = 0.95 },
		"phase3.memories":             func(c *config.Campaign) { c.Phase3.Memories = 10 },
		"phase3.link_every":           func(c *config.Campaign) { c.Phase3.LinkEvery = 0 },
		"phase4.faults":               func(c *config.Campaign) { c.Phase4.Faults = c.Phase4.Faults[1:] },
		"phase4.cycles":               func(c *config.Campaign) { c.Phase4.Cycles = 29 },
		"phase4.min_effective_cycles": func(c *config.Campaign) { c.Phase4.MinEffectiveCycles = 24 },
		"phase4.max_lost":             func(c *config.Campaign) { c.Phase4.MaxLost = 1 },
		"phase4.min_bound":            func(c *config.Campaign) { c.Phase4.MinBound = 0.999 },
		"phase4.quorum_writes":        func(c *config.Campaign) { c.Phase4.QuorumWrites = 1 },
		"phase4.fault_min":            func(c *config.Campaign) { c.Phase4.FaultMin = dur(time.Second) },
		"phase4.fault_max":            func(c *config.Campaign) { c.Phase4.FaultMax = dur(time.Second) },
		"phase4.skew_min":             func(c *config.Campaign) { c.Phase4.SkewMin = dur(time.Minute) },
		"phase4.skew_max":             func(c *config.Campaign) { c.Phase4.SkewMax = dur(time.Minute) },
		"phase4.latency_max":          func(c *config.Campaign) { c.Phase4.LatencyMax = dur(time.Second) },
		"phase4.drop_ack_probability": func(c *config.Campaign) { c.Phase4.DropAckProbability = 0.01 },
		"phase4.settle_max":           func(c *config.Campaign) { c.Phase4.SettleMax = dur(time.Minute) },
	}
	p := gate.ReleaseProfile()
	if below := p.Below(config.Default()); len(below) != 0 {
		t.Fatalf("the defaults are below the release profile: %v", below)
	}
	for field, weaken := range weaker {
		c := config.Default()
		weaken(&c)
		below := p.Below(c)
		if len(below) != 1 || !strings.HasPrefix(below[0], field+" ") {
			t.Errorf("weakened %s: below %v", field, below)
		}
	}
	// Stronger is never below: more cycles, a tighter settle limit.
	c := config.Default()
	c.Phase4.Cycles, c.Phase4.MinEffectiveCycles, c.Phase4.SettleMax = 50, 45, dur(5*time.Second)
	if below := p.Below(c); len(below) != 0 {
		t.Fatalf("a stronger campaign is below: %v", below)
	}
}

// Package config is the single source of truth for a ship-gate campaign:
// every threshold, count, timeout and settle bound, with its default and the
// reason for it. Flags and a JSON file override it; `ship-gate methodology`
// renders the document from the same struct, so prose cannot drift from code.
package config

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Campaign holds every knob of a run. The `doc` tag of each field is the
// sentence the methodology prints next to its value.
type Campaign struct {
	Phases []int `json:"phases" doc:"phases to run; a phase not run makes overall_pass false"`
	// Topologies are the deployments this run certifies; each one listed
	// must pass for overall_pass (a missing or red artifact fails it).
	Topologies []string `json:"topologies" doc:"topologies this run certifies: federated (phases 1-4) and/or shared-postgres (shared-postgres.json, local provider); each one listed must pass"`
	Provider   string   `json:"provider" doc:"cluster provider: local (loopback + harness TCP proxies), netns (root; namespaces on a bridge, nftables partitions) or ssh (real hosts from an inventory, driven by an agent over SSH)"`
	Deadline   Duration `json:"deadline" doc:"whole-run deadline; phases still running are cut and fail"`
	// NodeArgs go to every serve; PhaseNodeArgs only to the serves of one
	// phase (key "1".."4"). Canaries plant bugs through these.
	NodeArgs      []string            `json:"node_args,omitempty" doc:"extra arguments for every ai-memory serve (fault switches for canaries)"`
	PhaseNodeArgs map[string][]string `json:"phase_node_args,omitempty" doc:"extra serve arguments for one phase only, keyed by phase number"`

	Node   NodeConfig   `json:"node"`
	Phase1 Phase1Config `json:"phase1"`
	Phase2 Phase2Config `json:"phase2"`
	Phase3 Phase3Config `json:"phase3"`
	Phase4 Phase4Config `json:"phase4"`
}

// NodeConfig governs how nodes are started and stopped.
type NodeConfig struct {
	StartTimeout Duration `json:"start_timeout" doc:"a node must answer /api/v1/health within this"`
	HealthPoll   Duration `json:"health_poll" doc:"health poll interval while a node starts"`
	StopGrace    Duration `json:"stop_grace" doc:"SIGTERM grace before SIGKILL when a node is stopped"`
	HTTPTimeout  Duration `json:"http_timeout" doc:"harness HTTP timeout for reads and writes (must exceed the quorum timeout)"`
}

// Phase1Config is the per-node functional check.
type Phase1Config struct {
	Timeout          Duration `json:"timeout" doc:"phase 1 time limit"`
	Namespace        string   `json:"namespace" doc:"namespace of the stored memory"`
	RecallMin        int      `json:"recall_min" doc:"recall must return at least this many memories"`
	StatsTotalMin    int      `json:"stats_total_min" doc:"stats.total must be at least this"`
	Snapshots        int      `json:"snapshots" doc:"backup --keep 1 must leave exactly this many snapshots and as many manifests"`
	CuratorMaxOps    int      `json:"curator_max_ops" doc:"curator --once --dry-run --max-ops"`
	CuratorMaxErrors int      `json:"curator_max_errors" doc:"curator dry-run may report at most this many errors (upstream allowed 1)"`
	MCPToolsMin      int      `json:"mcp_tools_min" doc:"tools/list over MCP stdio, all pages, must list at least this many tools"`
	CommandTimeout   Duration `json:"command_timeout" doc:"each CLI invocation (store, recall, backup, mcp, ...) must finish within this"`
}

// Phase2Config is the federation burst, probes and rejoin.
type Phase2Config struct {
	Timeout            Duration `json:"timeout" doc:"phase 2 time limit"`
	Namespace          string   `json:"namespace" doc:"namespace of the burst"`
	Agents             []string `json:"agents" doc:"agents writing concurrently, each with its own X-Agent-Id"`
	WritesPerAgent     int      `json:"writes_per_agent" doc:"writes per agent in the burst"`
	InFlightPerAgent   int      `json:"in_flight_per_agent" doc:"concurrent requests per agent"`
	QuorumWrites       int      `json:"quorum_writes" doc:"W of the W-of-N quorum (N=3)"`
	QuorumTimeout      Duration `json:"quorum_timeout" doc:"serve --quorum-timeout-ms"`
	BurstSyncInterval  Duration `json:"burst_sync_interval" doc:"anti-entropy interval during the burst: long, so convergence must come from quorum fan-out alone (as upstream measured it)"`
	RejoinSyncInterval Duration `json:"rejoin_sync_interval" doc:"anti-entropy interval of the restarted nodes, which must catch up by pulling"`
	SettleMax          Duration `json:"settle_max" doc:"every acknowledged id must be on every node within this (upstream SETTLE_SECS)"`
	SettlePoll         Duration `json:"settle_poll" doc:"convergence poll interval; polling stops as soon as every id is everywhere"`
	CrashWrites        int      `json:"crash_writes" doc:"crash after ack: writes acknowledged by a and b (c down) before both are SIGKILLed; every one must survive b's restart alone (many, so an early acknowledgement of one batch in 50 is caught)"`
	ProbeSettle        Duration `json:"probe_settle" doc:"pause after a probe kill is reaped, before the probe write (upstream slept 2 s after an asynchronous pkill)"`
	ProbeSlack         Duration `json:"probe_slack" doc:"probe 2 must answer 503 within quorum_timeout plus this"`
	RejoinMax          Duration `json:"rejoin_max" doc:"restarted nodes must hold every acknowledged id within this"`
	MinPresentFraction float64  `json:"min_present_fraction" doc:"fraction of acknowledged ids every node must hold (1 = all; upstream allowed floor(95%))"`
}

// Phase3Config is the SQLite -> Postgres -> SQLite migration.
type Phase3Config struct {
	Timeout    Duration `json:"timeout" doc:"phase 3 time limit"`
	Namespace  string   `json:"namespace" doc:"namespace of the seeded memories"`
	Memories   int      `json:"memories" doc:"memories seeded into the source SQLite"`
	LinkEvery  int      `json:"link_every" doc:"every n-th memory gets a related_to link to its predecessor"`
	Batch      int      `json:"batch" doc:"migrate --batch"`
	Database   string   `json:"database" doc:"Postgres database created for the run"`
	SeedWriter int      `json:"seed_writers" doc:"concurrent seeding requests"`
}

// Phase4Config is the chaos campaign.
type Phase4Config struct {
	Timeout            Duration `json:"timeout" doc:"phase 4 time limit"`
	ClassTimeout       Duration `json:"class_timeout" doc:"each fault class must finish all its cycles within this (upstream 600 s)"`
	Faults             []string `json:"faults" doc:"fault classes run; every class is required for a pass"`
	Cycles             int      `json:"cycles" doc:"cycles per class, each on a fresh fully-meshed trio with fresh databases"`
	MinEffectiveCycles int      `json:"min_effective_cycles" doc:"a class passes only with at least this many cycles in which its fault demonstrably had an effect"`
	Keys               int      `json:"keys" doc:"keys (titles) per cycle that clients put, update, delete, link and read through different nodes"`
	MaxOps             int      `json:"max_ops" doc:"bound on operations per cycle (the workload otherwise runs until the fault has healed plus after_heal)"`
	Think              Duration `json:"think" doc:"each client pauses a uniform [0, 2x this] between operations, so a history stays small enough to keep as evidence"`
	Agents             []string `json:"agents" doc:"agents of the workload (X-Agent-Id)"`
	InFlightPerAgent   int      `json:"in_flight_per_agent" doc:"client processes per agent, each with one request in flight; agents x this >= 8"`
	Lanes              int      `json:"lanes" doc:"trios running at the same time (each its own ports and data); cycles are independent"`
	QuorumWrites       int      `json:"quorum_writes" doc:"W of the W-of-N quorum (N=3)"`
	QuorumTimeout      Duration `json:"quorum_timeout" doc:"serve --quorum-timeout-ms in chaos trios"`
	SyncInterval       Duration `json:"sync_interval" doc:"anti-entropy interval in chaos trios: heals what a fault kept from a node"`
	FaultMin           Duration `json:"fault_min" doc:"shortest fault; each cycle draws its duration log-uniformly from [fault_min, fault_max], spanning the quorum timeout"`
	FaultMax           Duration `json:"fault_max" doc:"longest fault"`
	SkewMin            Duration `json:"skew_min" doc:"smallest clock skew; each clock_skew cycle draws a size log-uniformly from [skew_min, skew_max] and a random sign"`
	SkewMax            Duration `json:"skew_max" doc:"largest clock skew"`
	DropAckProbability float64  `json:"drop_ack_probability" doc:"drop_acks: probability that an answer on the victim's links is lost"`
	LatencyMax         Duration `json:"latency_max" doc:"latency: largest injected round-trip delay (3x the quorum timeout)"`
	TriggerMinOps      int      `json:"trigger_min_ops" doc:"the fault fires after a random number of acknowledged operations, at least this many"`
	TriggerMaxOps      int      `json:"trigger_max_ops" doc:"... and at most this many, so operations are in flight when it fires"`
	AfterHeal          Duration `json:"after_heal" doc:"the workload goes on this long after the fault healed, so recovery is exercised under load"`
	SettleMax          Duration `json:"settle_max" doc:"after the workload ends, every node must hold the same state within this"`
	SettlePoll         Duration `json:"settle_poll" doc:"convergence poll interval"`
	MinBound           float64  `json:"min_bound" doc:"convergence_bound (acknowledged writes not lost / acknowledged, floored to 3 decimals) must reach this for every class"`
	MaxLost            int      `json:"max_lost" doc:"acknowledged writes lost per class (any other checker violation fails the class too)"`
	StopClassOnLoss    bool     `json:"stop_class_on_loss" doc:"stop a class at its first cycle with a checker violation (it is red already)"`
	Seed               uint64   `json:"seed" doc:"seed for fault moments, durations, victims and the workload; 0 draws one, recorded in phase4.json so a run can be replayed"`
}

// Default returns the release campaign: 200-write burst, 1000-memory
// migration, every fault class x 30 cycles, at least 25 of them effective.
func Default() Campaign {
	agents := []string{"ai:agent-alice", "ai:agent-bob", "ai:agent-charlie", "ai:agent-dana"}
	return Campaign{
		Phases:     []int{1, 2, 3, 4},
		Topologies: []string{TopologyFederated},
		Provider:   "local",
		Deadline:   Duration(30 * time.Minute),
		Node: NodeConfig{
			StartTimeout: Duration(15 * time.Second),
			HealthPoll:   Duration(10 * time.Millisecond),
			StopGrace:    Duration(5 * time.Second),
			HTTPTimeout:  Duration(10 * time.Second),
		},
		Phase1: Phase1Config{
			Timeout:          Duration(2 * time.Minute),
			Namespace:        "ship-gate-phase1",
			RecallMin:        1,
			StatsTotalMin:    1,
			Snapshots:        1,
			CuratorMaxOps:    10,
			CuratorMaxErrors: 0,
			MCPToolsMin:      36,
			CommandTimeout:   Duration(30 * time.Second),
		},
		Phase2: Phase2Config{
			Timeout:            Duration(5 * time.Minute),
			Namespace:          "ship-gate-phase2",
			Agents:             agents,
			WritesPerAgent:     50,
			InFlightPerAgent:   4,
			QuorumWrites:       2,
			QuorumTimeout:      Duration(2 * time.Second),
			BurstSyncInterval:  Duration(time.Hour),
			RejoinSyncInterval: Duration(200 * time.Millisecond),
			SettleMax:          Duration(90 * time.Second),
			SettlePoll:         Duration(25 * time.Millisecond),
			CrashWrites:        100,
			ProbeSettle:        Duration(100 * time.Millisecond),
			ProbeSlack:         Duration(time.Second),
			RejoinMax:          Duration(30 * time.Second),
			MinPresentFraction: 1,
		},
		Phase3: Phase3Config{
			Timeout:    Duration(3 * time.Minute),
			Namespace:  "ship-gate-phase3",
			Memories:   1000,
			LinkEvery:  4,
			Batch:      500,
			Database:   "ai_memory_test",
			SeedWriter: 8,
		},
		Phase4: Phase4Config{
			Timeout:            Duration(20 * time.Minute),
			ClassTimeout:       Duration(10 * time.Minute),
			Faults:             slices.Clone(AllFaults),
			Cycles:             30,
			MinEffectiveCycles: 25,
			Keys:               12,
			MaxOps:             20000,
			Think:              Duration(10 * time.Millisecond),
			Agents:             agents,
			InFlightPerAgent:   2,
			Lanes:              6,
			QuorumWrites:       2,
			QuorumTimeout:      Duration(2 * time.Second),
			SyncInterval:       Duration(250 * time.Millisecond),
			FaultMin:           Duration(200 * time.Millisecond),
			FaultMax:           Duration(6 * time.Second),
			SkewMin:            Duration(2 * time.Second),
			SkewMax:            Duration(2 * time.Hour),
			DropAckProbability: 0.3,
			LatencyMax:         Duration(6 * time.Second),
			TriggerMinOps:      10,
			TriggerMaxOps:      60,
			AfterHeal:          Duration(300 * time.Millisecond),
			SettleMax:          Duration(15 * time.Second),
			SettlePoll:         Duration(50 * time.Millisecond),
			MinBound:           1,
			MaxLost:            0,
			StopClassOnLoss:    true,
		},
	}
}

// Load reads a JSON campaign file over the defaults: fields the file leaves
// out keep their default. Unknown fields are an error, so a typo cannot
// silently leave a threshold at its default.
func Load(path string) (Campaign, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("campaign config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("campaign config %s: %w", path, err)
	}
	return c, c.Validate()
}

// Validate rejects a campaign that could not measure what it claims.
func (c *Campaign) Validate() error {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	for _, p := range c.Phases {
		if p < 1 || p > 4 {
			bad("phase %d does not exist (1..4)", p)
		}
	}
	if len(c.Topologies) == 0 {
		bad("no topology to certify (want %s and/or %s)", TopologyFederated, TopologySharedPostgres)
	}
	for i, t := range c.Topologies {
		if t != TopologyFederated && t != TopologySharedPostgres {
			bad("topology %q: want %s or %s", t, TopologyFederated, TopologySharedPostgres)
		}
		if slices.Contains(c.Topologies[:i], t) {
			bad("topology %q listed twice", t)
		}
	}
	if c.Certifies(TopologySharedPostgres) && c.Provider != "local" {
		bad("topology %s runs on the local provider only (its database links are harness proxies); provider is %q", TopologySharedPostgres, c.Provider)
	}
	if c.Provider != "local" && c.Provider != "netns" && c.Provider != "ssh" {
		bad("provider %q: want local, netns or ssh", c.Provider)
	}
	if c.Deadline <= 0 {
		bad("deadline must be positive")
	}
	for k := range c.PhaseNodeArgs {
		if k != "1" && k != "2" && k != "3" && k != "4" {
			bad("phase_node_args key %q: want 1..4", k)
		}
	}
	if len(c.Phase2.Agents) < 1 || c.Phase2.WritesPerAgent < 1 || c.Phase2.InFlightPerAgent < 1 || c.Phase2.CrashWrites < 1 {
		bad("phase2 needs agents, writes, in-flight and crash_writes >= 1")
	}
	if c.Phase2.QuorumWrites < 1 || c.Phase2.QuorumWrites > 3 || c.Phase4.QuorumWrites < 1 || c.Phase4.QuorumWrites > 3 {
		bad("quorum_writes must be 1..3")
	}
	if c.Phase3.Memories < 1 || c.Phase3.Batch < 1 {
		bad("phase3 memories and batch must be >= 1")
	}
	for _, f := range c.Phase4.Faults {
		if !slices.Contains(AllFaults, f) {
			bad("unknown fault class %q (known: %s)", f, strings.Join(AllFaults, ", "))
		}
	}
	p4 := c.Phase4
	if p4.Cycles < 1 || p4.Keys < 2 || p4.MaxOps < 1 || p4.Lanes < 1 {
		bad("phase4 cycles, max_ops and lanes must be >= 1, keys >= 2")
	}
	if p4.MinEffectiveCycles < 1 || p4.MinEffectiveCycles > p4.Cycles {
		bad("phase4 min_effective_cycles must be in 1..cycles")
	}
	if len(p4.Agents) < 1 || p4.InFlightPerAgent < 1 {
		bad("phase4 needs agents and in-flight >= 1")
	}
	if p4.FaultMin <= 0 || p4.FaultMax < p4.FaultMin || p4.SkewMin <= 0 || p4.SkewMax < p4.SkewMin || p4.LatencyMax <= 0 {
		bad("phase4 fault, skew and latency ranges must be positive and ordered")
	}
	if p4.DropAckProbability <= 0 || p4.DropAckProbability > 1 {
		bad("drop_ack_probability must be in (0,1]")
	}
	if p4.TriggerMinOps < 1 || p4.TriggerMaxOps < p4.TriggerMinOps || p4.TriggerMaxOps >= p4.MaxOps {
		bad("phase4 trigger ops must satisfy 1 <= trigger_min_ops <= trigger_max_ops < max_ops")
	}
	if p4.SettleMax <= 0 || p4.SettlePoll <= 0 || p4.MinBound <= 0 || p4.MinBound > 1 || p4.MaxLost < 0 {
		bad("phase4 settle bounds must be positive, min_bound in (0,1], max_lost >= 0")
	}
	if c.Node.HTTPTimeout <= c.Phase2.QuorumTimeout || c.Node.HTTPTimeout <= c.Phase4.QuorumTimeout {
		bad("node.http_timeout must exceed the quorum timeouts, or a slow 503 is misread as a lost connection")
	}
	if len(errs) > 0 {
		return fmt.Errorf("campaign config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Runs reports whether phase p is selected.
func (c *Campaign) Runs(p int) bool { return slices.Contains(c.Phases, p) }

// Certifies reports whether topology t is one this run certifies.
func (c *Campaign) Certifies(t string) bool { return slices.Contains(c.Topologies, t) }

// ServeArgs returns the extra serve arguments for phase p: the global ones
// first, then the phase's own.
func (c *Campaign) ServeArgs(p int) []string {
	out := slices.Clone(c.NodeArgs)
	return append(out, c.PhaseNodeArgs[fmt.Sprint(p)]...)
}

// ParseFaults turns "all" or a comma list into fault classes.
func ParseFaults(s string) ([]string, error) {
	if s == "" || s == "all" {
		return slices.Clone(AllFaults), nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(AllFaults, f) {
			return nil, fmt.Errorf("unknown fault class %q (known: %s)", f, strings.Join(AllFaults, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// ParsePhases turns "1,2,3,4" into phase numbers.
func ParsePhases(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var p int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &p); err != nil || p < 1 || p > 4 {
			return nil, fmt.Errorf("phase %q: want numbers 1..4", f)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

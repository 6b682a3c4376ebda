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

// Fault class names, as upstream.
const (
	KillPrimary   = "kill_primary_mid_write"
	PartitionMin  = "partition_minority"
	DropAcks      = "drop_random_acks"
	ClockSkewPeer = "clock_skew_peer"
)

// AllFaults is every fault class, in the order they run and are reported.
var AllFaults = []string{KillPrimary, PartitionMin, DropAcks, ClockSkewPeer}

// Campaign holds every knob of a run. The `doc` tag of each field is the
// sentence the methodology prints next to its value.
type Campaign struct {
	Phases   []int    `json:"phases" doc:"phases to run; a phase not run makes overall_pass false"`
	Provider string   `json:"provider" doc:"cluster provider: local (loopback + harness TCP proxies) or netns (root; namespaces on a bridge, nftables partitions)"`
	Deadline Duration `json:"deadline" doc:"whole-run deadline; phases still running are cut and fail"`
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
	Timeout               Duration `json:"timeout" doc:"phase 4 time limit"`
	ClassTimeout          Duration `json:"class_timeout" doc:"each fault class must finish all its cycles within this (upstream 600 s)"`
	Faults                []string `json:"faults" doc:"fault classes run; all four are required for a pass"`
	Cycles                int      `json:"cycles" doc:"cycles per class, each on a fresh fully-meshed trio with fresh databases"`
	Writes                int      `json:"writes" doc:"writes per cycle"`
	Agents                []string `json:"agents" doc:"agents writing concurrently in every cycle"`
	InFlightPerAgent      int      `json:"in_flight_per_agent" doc:"concurrent requests per agent"`
	Lanes                 int      `json:"lanes" doc:"trios running at the same time (each its own ports and data); cycles are independent"`
	QuorumWrites          int      `json:"quorum_writes" doc:"W of the W-of-N quorum (N=3)"`
	QuorumTimeout         Duration `json:"quorum_timeout" doc:"serve --quorum-timeout-ms in chaos trios"`
	SyncInterval          Duration `json:"sync_interval" doc:"anti-entropy interval in chaos trios: heals what a partition or pause kept from a node"`
	FaultDuration         Duration `json:"fault_duration" doc:"how long a partition or SIGSTOP lasts"`
	ClockSkew             Duration `json:"clock_skew" doc:"clock-skew fault size; the sign alternates per cycle"`
	TriggerMinAcked       int      `json:"trigger_min_acked" doc:"the fault fires after a random number of acknowledged writes, at least this many"`
	TriggerMaxFraction    float64  `json:"trigger_max_fraction" doc:"... and at most this fraction of the cycle's writes, so writes are still in flight"`
	SettleMax             Duration `json:"settle_max" doc:"after heal, every acknowledged id must be on every live node within this"`
	SettlePoll            Duration `json:"settle_poll" doc:"convergence poll interval"`
	MinBound              float64  `json:"min_bound" doc:"convergence_bound (min over nodes of present/ok, floored to 3 decimals) must reach this for every class"`
	MaxLost               int      `json:"max_lost" doc:"acknowledged writes missing from any node after settle, per class"`
	MinValidCycleFraction float64  `json:"min_valid_cycle_fraction" doc:"a class whose fault fired with too little traffic before it in more than 1-this of its cycles is invalid, not passed"`
	StopClassOnLoss       bool     `json:"stop_class_on_loss" doc:"stop a class at its first cycle with lost writes (it is red already)"`
	Seed                  uint64   `json:"seed" doc:"seed for fault moments and victims; 0 draws one, recorded in phase4.json so a run can be replayed"`
}

// Default returns the campaign of the issue: 200-write burst, 1000-memory
// migration, 4 classes x 50 cycles x 100 writes.
func Default() Campaign {
	agents := []string{"ai:agent-alice", "ai:agent-bob", "ai:agent-charlie", "ai:agent-dana"}
	return Campaign{
		Phases:   []int{1, 2, 3, 4},
		Provider: "local",
		Deadline: Duration(30 * time.Minute),
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
			Timeout:               Duration(20 * time.Minute),
			ClassTimeout:          Duration(10 * time.Minute),
			Faults:                slices.Clone(AllFaults),
			Cycles:                50,
			Writes:                100,
			Agents:                agents,
			InFlightPerAgent:      4,
			Lanes:                 4,
			QuorumWrites:          2,
			QuorumTimeout:         Duration(2 * time.Second),
			SyncInterval:          Duration(250 * time.Millisecond),
			FaultDuration:         Duration(500 * time.Millisecond),
			ClockSkew:             Duration(5 * time.Second),
			TriggerMinAcked:       5,
			TriggerMaxFraction:    0.5,
			SettleMax:             Duration(10 * time.Second),
			SettlePoll:            Duration(25 * time.Millisecond),
			MinBound:              0.995,
			MaxLost:               0,
			MinValidCycleFraction: 0.9,
			StopClassOnLoss:       true,
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
	if c.Provider != "local" && c.Provider != "netns" {
		bad("provider %q: want local or netns", c.Provider)
	}
	if c.Deadline <= 0 {
		bad("deadline must be positive")
	}
	for k := range c.PhaseNodeArgs {
		if k != "1" && k != "2" && k != "3" && k != "4" {
			bad("phase_node_args key %q: want 1..4", k)
		}
	}
	if len(c.Phase2.Agents) < 1 || c.Phase2.WritesPerAgent < 1 || c.Phase2.InFlightPerAgent < 1 {
		bad("phase2 needs agents, writes and in-flight >= 1")
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
	if c.Phase4.Cycles < 1 || c.Phase4.Writes < 1 || c.Phase4.Lanes < 1 {
		bad("phase4 cycles, writes and lanes must be >= 1")
	}
	if len(c.Phase4.Agents) < 1 || c.Phase4.InFlightPerAgent < 1 {
		bad("phase4 needs agents and in-flight >= 1")
	}
	if c.Phase4.TriggerMaxFraction <= 0 || c.Phase4.TriggerMaxFraction >= 1 {
		bad("trigger_max_fraction must be in (0,1)")
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

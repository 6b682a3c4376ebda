package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Topologies a campaign can certify: federated (the default: each node its
// own SQLite, W-of-N quorum writes) or shared-postgres (nodes without
// federation on one PostgreSQL database).
const (
	TopologyFederated      = "federated"
	TopologySharedPostgres = "shared-postgres"
)

// Fault classes of the shared-postgres topology only.
const (
	DBStop      = "db_stop"
	DBPartition = "db_partition"
)

// SharedFaultClasses are the classes run against shared-postgres nodes: the
// process faults that apply unchanged, and two aimed at the database.
// Classes about peer links, node clocks or node disks do not apply: the
// nodes have no peers, their versions are ordered by one database, and
// their data is not on their disks.
var SharedFaultClasses = []FaultClass{
	mustClass(KillNode),
	mustClass(KillMajority),
	mustClass(PauseNode),
	{Name: DBStop,
		Does:    "stop PostgreSQL with pg_ctl stop -m immediate while writes are in flight (every backend killed, no checkpoint), keep it down for the fault's duration, start it again: crash recovery replays the WAL.",
		Effect:  "a write ended failed or unknown while the server was down.",
		Catches: "a 201 for a write that did not commit, nodes that do not reconnect on their own, retries that store a second copy.",
		Misses:  "loss of the machine itself (the server keeps synchronous_commit; fsync is off, as the kernel survives)."},
	{Name: DBPartition,
		Does:    "blackhole the proxy between one node and the database for the fault's duration (packets vanish both ways), then heal it.",
		Effect:  "a write through the victim ended 503/unknown or waited at least half the fault.",
		Catches: "a node that acknowledges a write it could not commit, one that hangs instead of answering 503, one that stays broken after the link heals.",
		Misses:  "faults between the other nodes and the database."},
}

func mustClass(name string) FaultClass {
	c, ok := Class(name)
	if !ok {
		panic("no fault class " + name)
	}
	return c
}

// SharedClass returns the documentation of a shared-postgres fault class.
func SharedClass(name string) (FaultClass, bool) {
	for _, f := range SharedFaultClasses {
		if f.Name == name {
			return f, true
		}
	}
	return FaultClass{}, false
}

// SharedPostgresConfig is the campaign of the shared-postgres topology.
// Its chaos part reuses the phase 4 workload, settling and checker
// settings (Chaos), with its own classes.
type SharedPostgresConfig struct {
	Nodes          int          `json:"nodes" doc:"ai-memory serve nodes on the one database, none federated"`
	OpTimeout      Duration     `json:"op_timeout" doc:"each node's bound on one database call (--db URL op_timeout), so an unreachable database is a 503, not a hang"`
	BurstWrites    int          `json:"burst_writes" doc:"writes of the concurrent burst, spread over every node"`
	BurstClients   int          `json:"burst_clients" doc:"concurrent writers of the burst"`
	BurstKillAfter int          `json:"burst_kill_after" doc:"one node is SIGKILLed once this many burst writes were acknowledged, and restarted"`
	SettleMax      Duration     `json:"settle_max" doc:"every acknowledged write must be visible through every node, with identical content, within this"`
	Throughput     Duration     `json:"throughput" doc:"each throughput measurement writes for this long"`
	Clients        int          `json:"clients" doc:"concurrent writers of a throughput measurement"`
	Chaos          Phase4Config `json:"chaos" doc:"the chaos part: phase 4's settings, classes from SharedFaultClasses"`
}

// DefaultSharedPostgres derives the shared-postgres campaign from c.
func DefaultSharedPostgres(c Campaign) SharedPostgresConfig {
	chaos := c.Phase4
	chaos.Faults = nil
	for _, f := range SharedFaultClasses {
		chaos.Faults = append(chaos.Faults, f.Name)
	}
	chaos.Lanes = 1 // db_stop takes the one server down for every lane
	return SharedPostgresConfig{
		Nodes: 3, OpTimeout: Duration(3 * time.Second),
		BurstWrites: 400, BurstClients: 16, BurstKillAfter: 120,
		SettleMax: Duration(10 * time.Second), Throughput: Duration(4 * time.Second), Clients: 16,
		Chaos: chaos,
	}
}

// ParseTopologies turns a comma list of topologies into a list.
func ParseTopologies(s string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t != TopologyFederated && t != TopologySharedPostgres {
			return nil, fmt.Errorf("topology %q: want %s, %s or both, comma separated", t, TopologyFederated, TopologySharedPostgres)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// ParseSharedFaults turns "all" or a comma list into shared-postgres classes.
func ParseSharedFaults(s string) ([]string, error) {
	var all []string
	for _, f := range SharedFaultClasses {
		all = append(all, f.Name)
	}
	if s == "" || s == "all" {
		return all, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); !slices.Contains(all, f) {
			return nil, fmt.Errorf("fault class %q does not apply to shared-postgres (classes: %s)", f, strings.Join(all, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

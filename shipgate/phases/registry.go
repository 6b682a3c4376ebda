package phases

import (
	"context"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Phase is one row of the campaign: how its evidence is judged (the
// aggregator's, the gate's and the pages' view), how long it may take and
// how it runs.
type Phase struct {
	report.Judge
	Timeout func(config.Campaign) config.Duration
	// Run runs the phase and writes its artifacts; pass is their own
	// recorded verdict, err an infrastructure failure.
	Run func(ctx context.Context, e *Env) (pass bool, err error)
}

// Registry is every phase of a campaign, in the order they run: adding a
// phase is adding a row.
var Registry = []Phase{
	{Judge: report.Judge{N: 1, Name: "functional",
		Purpose:   "Each node on its own: store, recall, stats, backup and restore, curator dry-run, MCP tool listing, and a kill -9 restart that must keep the stored memory.",
		Artifacts: functionalFiles(),
		Verdict:   report.JudgeFunctional},
		Timeout: func(c config.Campaign) config.Duration { return c.Phase1.Timeout },
		Run:     runFunctional},
	{Judge: report.Judge{N: 2, Name: "federation",
		Purpose:   "Three federated nodes, W=2 of N=3: a fault-free burst from four agents across all nodes must be acknowledged in full and reach every node id by id; a consolidation and a crash after ack; quorum probes with one and two peers down; the killed nodes must rejoin and catch up.",
		Artifacts: []string{"phase2.json"},
		Verdict:   report.JudgeFederation, Evidence: report.FederationEvidence},
		Timeout: func(c config.Campaign) config.Duration { return c.Phase2.Timeout },
		Run:     runFederation},
	{Judge: report.Judge{N: 3, Name: "migration",
		Purpose:   "Memories with updates, deletes, links and records migrated SQLite → Postgres, again (idempotent), and back into a fresh SQLite; zero errors, and each store read with its own database's client (sqlite3, psql) must show the same rows and SQL digest as the source.",
		Artifacts: []string{"phase3.json"},
		Verdict:   report.JudgeMigration},
		Timeout: func(c config.Campaign) config.Duration { return c.Phase3.Timeout },
		Run:     runMigration},
	{Judge: report.Judge{N: 4, Name: "chaos",
		Purpose:   "For every fault class, many cycles on a fresh trio with a mixed workload in flight when the fault strikes; after healing, the checker judges the history and every node's dump: nothing acknowledged lost, no divergence, duplicate, resurrection or causal inversion.",
		Artifacts: []string{"phase4.json"},
		Verdict:   report.JudgeChaos, Evidence: report.ChaosEvidence},
		Timeout: func(c config.Campaign) config.Duration { return c.Phase4.Timeout },
		Run:     runChaos},
}

// Lookup returns the phase numbered n.
func Lookup(n int) (Phase, bool) {
	for _, p := range Registry {
		if p.N == n {
			return p, true
		}
	}
	return Phase{}, false
}

// Judges is the registry as the aggregator needs it.
func Judges() []report.Judge {
	out := make([]report.Judge, len(Registry))
	for i, p := range Registry {
		out[i] = p.Judge
	}
	return out
}

// Aggregate recomputes a run's summary over every phase of the registry.
func Aggregate(dir string) (*report.Summary, error) { return report.Aggregate(dir, Judges()) }

// functionalFile is the phase-1 artifact of one node.
func functionalFile(node string) string { return "phase1-node-" + node + ".json" }

func functionalFiles() []string {
	var out []string
	for _, n := range functionalNodes {
		out = append(out, functionalFile(n))
	}
	return out
}

// runFunctional runs phase 1 on every node, one artifact per node.
func runFunctional(ctx context.Context, e *Env) (bool, error) {
	pass := true
	for _, a := range Phase1(ctx, e) {
		e.logReasons(1, a.Reasons)
		if err := e.write(functionalFile(a.Node), a); err != nil {
			return false, err
		}
		pass = pass && a.Pass
	}
	return pass, nil
}

func runFederation(ctx context.Context, e *Env) (bool, error) {
	a := Phase2(ctx, e)
	e.logReasons(2, a.Reasons)
	return a.Pass, e.write("phase2.json", a)
}

func runMigration(ctx context.Context, e *Env) (bool, error) {
	a := Phase3(ctx, e)
	e.logReasons(3, a.Reasons)
	return a.Pass, e.write("phase3.json", a)
}

func runChaos(ctx context.Context, e *Env) (bool, error) {
	a := Phase4(ctx, e)
	e.logReasons(4, a.Reasons)
	return a.Pass, e.write("phase4.json", a)
}

func (e *Env) write(name string, v any) error {
	return report.WriteJSON(filepath.Join(e.RunDir, name), v)
}

func (e *Env) logReasons(p int, rs []string) {
	for _, r := range rs {
		e.Progress.Logf("phase %d: %s", p, r)
	}
}

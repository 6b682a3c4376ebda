package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
	"github.com/aimemory/ai-memory/shipgate/settle"
	"github.com/aimemory/ai-memory/shipgate/traffic"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// sharedFunctional stores through node a, reads back through every node
// and through the CLI on the same database, then SIGKILLs and restarts a.
func (e *Env) sharedFunctional(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig) (f report.SharedFunctional) {
	var st steps
	defer func() { f.Steps = st.list }()
	dir := filepath.Join(e.WorkDir, "shared", "functional")
	cl, done, err := e.sharedCluster(ctx, d, 1, dir, "functional", nodeNames(c.Nodes))
	if st.do("start", func() error {
		if err != nil {
			return err
		}
		return cl.Start(ctx)
	}) != nil {
		if done != nil {
			done()
		}
		return f
	}
	defer done()
	a := cl.Nodes[0]
	var id string
	if st.do("store", func() error {
		w := a.Client.Create(ctx, "ai:ship-gate", api.Memory{Title: "shared-functional", Content: "stored through node a",
			Tier: "long", Namespace: e.Cfg.Phase1.Namespace, Tags: []string{"ship-gate"}, Priority: 5, Confidence: 1, Source: "api"})
		if w.Outcome != api.OK {
			return fmt.Errorf("store: %s %s", w.Outcome, w.Err)
		}
		id = w.ID
		return nil
	}) != nil {
		return f
	}
	visible := func() ([]string, error) {
		var on []string
		for _, n := range cl.Nodes {
			ok, err := n.Client.Exists(ctx, id)
			if err != nil {
				return on, fmt.Errorf("node %s: %w", n.Name, err)
			}
			if ok {
				on = append(on, n.Name)
			}
		}
		return on, nil
	}
	st.do("read_through_every_node", func() error {
		var err error
		f.VisibleOn, err = visible()
		return err
	})
	st.do("cli_recall", func() error {
		out, err := e.cli(ctx, dir, a.DB, "--json", "recall", "stored through node a", "-n", e.Cfg.Phase1.Namespace)
		if err != nil {
			return err
		}
		var v struct {
			Memories []json.RawMessage `json:"memories"`
		}
		if err := decode(out, &v); err != nil {
			return err
		}
		if len(v.Memories) < 1 {
			return fmt.Errorf("recall through the CLI on the shared database found nothing")
		}
		return nil
	})
	st.do("restart_survival", func() error {
		a.Kill()
		if err := a.Start(ctx); err != nil {
			return err
		}
		on, err := visible()
		if err != nil {
			return err
		}
		if len(on) != len(cl.Nodes) {
			return fmt.Errorf("after SIGKILL and restart of a, visible through %v only", on)
		}
		f.RestartSurvival = true
		return nil
	})
	return f
}

// sharedBurstHistory is the burst's history file.
const sharedBurstHistory = "history-shared-burst.jsonl"

// sharedBurst writes concurrently through every node, SIGKILLs one node
// mid-burst and restarts it, then requires every acknowledged write
// visible through every node and every node to show identical content.
func (e *Env) sharedBurst(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig) report.SharedBurst {
	b := report.SharedBurst{Writes: c.BurstWrites, Clients: c.BurstClients, Missing: map[string][]string{}, History: sharedBurstHistory}
	rec, err := history.Create(filepath.Join(e.RunDir, sharedBurstHistory), e.Clock)
	if err != nil {
		b.Errors = errorsOf(err)
		return b
	}
	defer rec.Close()
	dir := filepath.Join(e.WorkDir, "shared", "burst")
	cl, done, err := e.sharedCluster(ctx, d, 2, dir, "burst", nodeNames(c.Nodes))
	if err == nil {
		defer done()
		err = cl.Start(ctx)
	}
	if err != nil {
		b.Errors = errorsOf(err)
		return b
	}
	var targets []traffic.Target
	var nodes []validate.Node
	for _, n := range cl.Nodes {
		targets = append(targets, traffic.Target{Name: n.Name, Client: n.Client})
		nodes = append(nodes, validate.Node{Name: n.Name, Client: n.Client})
	}
	ns := e.Cfg.Phase2.Namespace
	agents := e.Cfg.Phase2.Agents
	tr := traffic.Start(ctx, traffic.Config{Phase: 2, Namespace: ns, Source: "api", Prefix: "shared", Agents: agents,
		InFlight: max(1, c.BurstClients/len(agents)), Total: c.BurstWrites, Targets: targets, Rec: rec})
	b.Clients = max(1, c.BurstClients/len(agents)) * len(agents)
	victim := cl.Nodes[len(cl.Nodes)-1]
	if tr.WaitAcked(ctx, c.BurstKillAfter) {
		b.KilledAfter = tr.Acked()
		victim.Kill()
		b.Killed = victim.Name
		if err := victim.Start(ctx); err != nil {
			b.Errors = append(b.Errors, "restart "+victim.Name+": "+err.Error())
		} else {
			b.Restarted = true
		}
	}
	res := tr.Wait()
	b.OK, b.Unknown, b.Fail = res.OK, res.Unknown, res.Fail
	conv := validate.Settle(ctx, nodes, ns, res.AckedIDs, e.Cfg.Phase2.SettlePoll.D(), c.SettleMax.D())
	for n, ids := range conv.Missing {
		if len(ids) > 0 {
			b.Missing[n] = ids
		}
	}
	b.Errors = append(b.Errors, conv.Errors...)
	same := settle.Converge(ctx, nodes, ns, e.Cfg.Phase2.SettlePoll.D(), c.SettleMax.D())
	b.Identical, b.ConvergeMS = same.Converged, same.ConvergeMS
	for _, dmp := range same.Dumps {
		if dmp.Err != "" {
			b.Errors = append(b.Errors, fmt.Sprintf("dump of %s: %s", dmp.Node, dmp.Err))
		}
	}
	return b
}

// sharedThroughput measures acknowledged writes per second with 1..Nodes
// nodes on the shared database and with one SQLite node, Clients writers
// spread over the nodes, each for Throughput.
func (e *Env) sharedThroughput(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig) []report.Throughput {
	var out []report.Throughput
	for n := 1; n <= c.Nodes; n++ {
		out = append(out, e.measure(ctx, d, c, "postgres", n))
	}
	return append(out, e.measure(ctx, d, c, "sqlite", 1))
}

func (e *Env) measure(ctx context.Context, d *sharedDB, c config.SharedPostgresConfig, store string, n int) report.Throughput {
	t := report.Throughput{Store: store, Nodes: n, Clients: c.Clients}
	dir := filepath.Join(e.WorkDir, "shared", fmt.Sprintf("throughput-%s-%d", store, n))
	names := nodeNames(n)
	var err error
	var targets []traffic.Target
	var stop func()
	if store == "postgres" {
		cl, done, cerr := e.sharedCluster(ctx, d, 2, dir, fmt.Sprintf("throughput_%d", n), names)
		if err = cerr; err == nil {
			stop = done
			err = cl.Start(ctx)
			for _, nd := range cl.Nodes {
				targets = append(targets, traffic.Target{Name: nd.Name, Client: nd.Client})
			}
		}
	} else {
		cl, cerr := e.sqliteCluster(ctx, dir, names)
		if err = cerr; err == nil {
			stop = func() { cl.Kill() }
			err = cl.Start(ctx)
			for _, nd := range cl.Nodes {
				targets = append(targets, traffic.Target{Name: nd.Name, Client: nd.Client})
			}
		}
	}
	if stop != nil {
		defer stop()
	}
	if err != nil {
		t.Error = err.Error()
		return t
	}
	rec, err := history.Create(filepath.Join(dir+"-history.jsonl"), e.Clock)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	agents := make([]string, c.Clients)
	for i := range agents {
		agents[i] = fmt.Sprintf("ai:bench-%02d", i)
	}
	mctx, cancel := context.WithTimeout(ctx, c.Throughput.D())
	start := time.Now()
	res := traffic.Start(mctx, traffic.Config{Phase: 2, Namespace: "throughput", Source: "api", Prefix: "bench",
		Agents: agents, InFlight: 1, Total: 1 << 30, Targets: targets, Rec: rec}).Wait()
	t.Seconds = time.Since(start).Seconds()
	cancel()
	rec.Close()
	ops, _ := history.Load(filepath.Join(dir + "-history.jsonl"))
	lat := history.Latencies(ops)
	slices.Sort(lat)
	if len(lat) > 0 {
		t.P50MS, t.P99MS = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	t.OK, t.Failed = res.OK, res.Fail
	t.PerSecond = float64(res.OK) / t.Seconds
	t.LoadAvg = loadAvg()
	e.Progress.Logf("throughput %s x%d, %d clients: %.0f writes/s (p50 %.1f ms, p99 %.1f ms), load %s", store, n, c.Clients, t.PerSecond, t.P50MS, t.P99MS, t.LoadAvg)
	return t
}

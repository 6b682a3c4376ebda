package phases

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/proxy"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// sharedDB is the shared-postgres topology's one PostgreSQL and each
// node's link to it: a harness proxy, so one node can be cut from the
// database while the others keep it (failpoint.Database).
type sharedDB struct {
	srv *pgtest.Server
	sup *cluster.Supervisor
	cfg config.SharedPostgresConfig

	mu    sync.Mutex
	links map[string]*proxy.Proxy // node name → its link to the server
}

// startSharedDB starts the campaign's server. synchronous_commit stays on
// (SyncCommit): phase 3's server turns it off for speed, and then an
// immediate stop loses commits the nodes already acknowledged, which is
// the server's trade, not the nodes' fault.
func (e *Env) startSharedDB(ctx context.Context, cfg config.SharedPostgresConfig) (*sharedDB, error) {
	dir := filepath.Join(e.WorkDir, "postgres-shared")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	srv, err := pgtest.Start(ctx, pgtest.Options{Dir: dir, NoFsync: true, SyncCommit: true})
	if err != nil {
		return nil, err
	}
	e.Sup.TrackExternal("postgres", srv.PID())
	return &sharedDB{srv: srv, sup: e.Sup, cfg: cfg, links: map[string]*proxy.Proxy{}}, nil
}

func (d *sharedDB) stop() {
	pid := d.srv.PID()
	d.srv.Stop()
	d.sup.UntrackExternal(pid)
}

func (d *sharedDB) StopImmediate(ctx context.Context) error {
	pid := d.srv.PID()
	err := d.srv.StopImmediate(ctx)
	if err == nil {
		d.sup.UntrackExternal(pid)
	}
	return err
}

func (d *sharedDB) Restart(ctx context.Context) error {
	if err := d.srv.Restart(ctx); err != nil {
		return err
	}
	d.sup.TrackExternal("postgres", d.srv.PID())
	return nil
}

func (d *sharedDB) link(node string) (*proxy.Proxy, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l := d.links[node]; l != nil {
		return l, nil
	}
	return nil, fmt.Errorf("node %s has no database link", node)
}

func (d *sharedDB) Cut(node string) error {
	l, err := d.link(node)
	if err == nil {
		l.Set(proxy.Blackhole, 0)
	}
	return err
}

func (d *sharedDB) Heal(node string) error {
	l, err := d.link(node)
	if err == nil {
		l.Set(proxy.Pass, 0)
	}
	return err
}

// cluster prepares nodes (not started) serving a fresh schema of the
// server, each through its own link, without federation. The returned
// function kills the nodes and closes the links.
func (e *Env) sharedCluster(ctx context.Context, d *sharedDB, phase int, dir, schema string, names []string) (*cluster.Cluster, func(), error) {
	if err := d.srv.CreateSchema(ctx, schema); err != nil {
		return nil, nil, err
	}
	cl, err := cluster.New(ctx, e.Sup, cluster.Local{}, cluster.Spec{
		Names: names, Dir: dir, Node: e.nodeOptions(phase, 0, 0, 0), HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
	if err != nil {
		return nil, nil, err
	}
	var links []*proxy.Proxy
	done := func() {
		cl.Kill()
		d.mu.Lock()
		for _, l := range links {
			l.Close()
		}
		d.links = map[string]*proxy.Proxy{}
		d.mu.Unlock()
		os.RemoveAll(dir)
	}
	url := d.srv.SchemaURL(schema) + "&op_timeout=" + d.cfg.OpTimeout.D().String()
	for _, n := range cl.Nodes {
		l, err := proxy.Start("127.0.0.1", d.srv.Addr())
		if err != nil {
			done()
			return nil, nil, err
		}
		links = append(links, l)
		d.mu.Lock()
		d.links[n.Name] = l
		d.mu.Unlock()
		n.DB = strings.Replace(url, d.srv.Addr(), l.Addr(), 1)
	}
	return cl, done, nil
}

// SharedPostgres runs the shared-postgres campaign: phase 1's functional
// check, phase 2's concurrent burst and phase 4's chaos where they apply
// to nodes that share one database and do not federate, and write
// throughput with 1, 2 and 3 such nodes next to one SQLite node.
func SharedPostgres(ctx context.Context, e *Env, c config.SharedPostgresConfig) *report.SharedPostgres {
	r := &report.SharedPostgres{Topology: config.TopologySharedPostgres, Nodes: c.Nodes, Reasons: []string{},
		Refused: map[string]int{}, Unanswered: map[string]int{}}
	r.Timing.Start()
	defer func() {
		r.Timing.Finish()
		if ctx.Err() != nil {
			r.TimedOut = true
		}
		r.Reasons = report.VerdictShared(r, c)
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		r.Pass = len(r.Reasons) == 0
	}()
	start := time.Now()
	d, err := e.startSharedDB(ctx, c)
	r.PostgresStartMS = ms(time.Since(start))
	if err != nil {
		r.Functional.Steps = append(r.Functional.Steps, report.Step{Name: "postgres", Error: err.Error()})
		return r
	}
	defer d.stop()
	parts := []struct {
		name string
		run  func()
	}{
		{"functional", func() { r.Functional = e.sharedFunctional(ctx, d, c) }},
		{"burst", func() { r.Burst = e.sharedBurst(ctx, d, c) }},
		{"chaos", func() { r.Chaos = e.sharedChaos(ctx, d, c, r.Refused, r.Unanswered) }},
		{"throughput", func() { r.Throughput = e.sharedThroughput(ctx, d, c) }},
	}
	for _, p := range parts {
		if ctx.Err() != nil {
			break
		}
		e.Progress.Set("phase", "shared-postgres: "+p.name)
		t := time.Now()
		p.run()
		e.Progress.Logf("shared-postgres: %s done in %.1f s", p.name, time.Since(t).Seconds())
	}
	return r
}

// nodeNames are the names of n nodes: a, b, c, ...
func nodeNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, string(rune('a'+i)))
	}
	return out
}

// errorsOf joins non-nil errors into strings.
func errorsOf(errs ...error) []string {
	var out []string
	if err := errors.Join(errs...); err != nil {
		out = append(out, err.Error())
	}
	return out
}

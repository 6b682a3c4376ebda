package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// functionalNodes are the nodes phase 1 checks, one artifact each.
var functionalNodes = []string{"a", "b", "c"}

// Phase1 runs the functional check on nodes a, b and c in parallel.
func Phase1(ctx context.Context, e *Env) []*report.Phase1 {
	out := make([]*report.Phase1, len(functionalNodes))
	var wg sync.WaitGroup
	for i, n := range functionalNodes {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = e.phase1Node(ctx, n) }()
	}
	wg.Wait()
	return out
}

func (e *Env) phase1Node(ctx context.Context, name string) *report.Phase1 {
	c := e.Cfg.Phase1
	r := &report.Phase1{Phase: 1, Node: name, Host: fmt.Sprintf("%s/node-%s", e.Host, name), Version: e.Version,
		Stats: json.RawMessage("null"), Curator: json.RawMessage("null")}
	r.Timing.Start()
	defer r.Timing.Finish()
	var st steps
	defer func() {
		r.Steps = st.list
		r.Pass, r.Reasons = report.Record("functional", report.Functional(r, c), r.Timing)
	}()
	dir, err := mkdir(e.WorkDir, "phase1", name)
	if err != nil {
		st.do("prepare", func() error { return err })
		return r
	}
	db := filepath.Join(dir, "ai-memory.db")
	title := "phase1-node-" + name

	st.do("store", func() error {
		out, err := e.cli(ctx, dir, db, "--json", "store", "-T", title, "-c", "functional check on node-"+name,
			"-t", "mid", "-n", c.Namespace, "--tags", "ship-gate,phase1", "-p", "5", "--confidence", "1.0", "-S", "cli")
		if err != nil {
			return err
		}
		var m struct {
			ID string `json:"id"`
		}
		if err := decode(out, &m); err != nil {
			return err
		}
		if m.ID == "" {
			return fmt.Errorf("store returned no id")
		}
		r.StoredID = m.ID
		return nil
	})
	st.do("recall", func() error {
		out, err := e.cli(ctx, dir, db, "--json", "recall", "functional check on node-"+name, "-n", c.Namespace, "--limit", "5")
		if err != nil {
			return err
		}
		var v struct {
			Memories []json.RawMessage `json:"memories"`
		}
		if err := decode(out, &v); err != nil {
			return err
		}
		r.RecallCount = len(v.Memories)
		return nil
	})
	st.do("stats", func() error {
		out, err := e.cli(ctx, dir, db, "--json", "stats")
		if err != nil {
			return err
		}
		var v struct {
			Total int `json:"total"`
		}
		if err := decode(out, &v); err != nil {
			return err
		}
		r.Stats, r.StatsTotal = json.RawMessage(out), v.Total
		return nil
	})
	st.do("backup", func() error { return e.backupAndRestore(ctx, dir, db, r) })
	st.do("curator", func() error {
		out, err := e.cli(ctx, dir, db, "--json", "curator", "--once", "--dry-run", "--max-ops", fmt.Sprint(c.CuratorMaxOps))
		if err != nil {
			return err
		}
		var v struct {
			Errors   []any `json:"errors"`
			Autonomy struct {
				Errors []any `json:"errors"`
			} `json:"autonomy"`
		}
		if err := decode(out, &v); err != nil {
			return err
		}
		r.Curator, r.CuratorErrors = json.RawMessage(out), len(v.Errors)+len(v.Autonomy.Errors)
		return nil
	})
	st.do("mcp", func() error {
		n, pages, err := e.mcpToolCount(ctx, dir, db)
		r.MCPToolCount, r.MCPPages = n, pages
		return err
	})
	st.do("restart_survival", func() error { return e.restartSurvival(ctx, dir, name, r) })
	return r
}

// backupAndRestore takes a backup, counts snapshots and manifests, and
// proves the snapshot restores into a fresh database holding the memory.
func (e *Env) backupAndRestore(ctx context.Context, dir, db string, r *report.Phase1) error {
	bdir := filepath.Join(dir, "backup")
	if _, err := e.cli(ctx, dir, db, "--json", "backup", "--to", bdir, "--keep", "1"); err != nil {
		return err
	}
	snaps, _ := filepath.Glob(filepath.Join(bdir, "ai-memory-*.db"))
	mans, _ := filepath.Glob(filepath.Join(bdir, "*.manifest.json"))
	r.SnapshotCount, r.ManifestCount = len(snaps), len(mans)
	if len(snaps) == 0 {
		return fmt.Errorf("backup wrote no snapshot")
	}
	fresh := filepath.Join(dir, "restored.db")
	if _, err := e.cli(ctx, dir, fresh, "restore", "--from", bdir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	out, err := e.cli(ctx, dir, fresh, "--json", "get", r.StoredID)
	if err != nil {
		return fmt.Errorf("get from restored db: %w", err)
	}
	if !strings.Contains(string(out), r.StoredID) {
		return fmt.Errorf("restored db does not hold %s", r.StoredID)
	}
	r.RestoreOK = true
	return nil
}

// restartSurvival writes over HTTP to a served node, SIGKILLs it, starts it
// again and requires both memories (CLI and HTTP) to be there.
func (e *Env) restartSurvival(ctx context.Context, dir, name string, r *report.Phase1) error {
	cl, err := cluster.New(ctx, e.Sup, e.Provider, cluster.Spec{
		Names: []string{name}, Dir: filepath.Join(dir, "serve"), Lane: int(name[0] - 'a'),
		Node: e.nodeOptions(1, 0, 0, 0), HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
	if err != nil {
		return err
	}
	defer cl.Kill()
	n := cl.Nodes[0]
	// Serve the database the CLI steps used.
	n.DB = filepath.Join(dir, "ai-memory.db")
	if err := cl.Start(ctx); err != nil {
		return err
	}
	w := n.Client.Create(ctx, "ai:ship-gate", api.Memory{Title: "phase1-restart-" + name, Content: "must survive SIGKILL",
		Tier: "long", Namespace: e.Cfg.Phase1.Namespace, Tags: []string{"ship-gate"}, Priority: 5, Confidence: 1, Source: "api"})
	if w.Outcome != api.OK {
		return fmt.Errorf("write before kill: %s %s", w.Outcome, w.Err)
	}
	n.Kill()
	if err := n.Start(ctx); err != nil {
		return fmt.Errorf("restart after SIGKILL: %w", err)
	}
	for _, id := range []string{w.ID, r.StoredID} {
		ok, err := n.Client.Exists(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("memory %s gone after SIGKILL and restart", id)
		}
	}
	r.RestartSurvival = true
	return nil
}

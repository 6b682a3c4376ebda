package phases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/aimemory/ai-memory/pgtest"
	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Phase3 migrates a seeded SQLite store to a throwaway PostgreSQL, again
// (idempotency), and back into a fresh SQLite, then compares counts and a
// content digest the harness computes itself from every row.
func Phase3(ctx context.Context, e *Env) *report.Phase3 {
	c := e.Cfg.Phase3
	r := &report.Phase3{Phase: 3, Reasons: []string{}}
	r.Timing.Start()
	var st steps
	defer func() {
		r.Timing.Finish()
		if ctx.Err() != nil {
			r.TimedOut = true
		}
		r.Steps = st.list
		r.Pass, r.Reasons = report.Record("migration", report.Migration(r, c), r.Timing)
	}()
	if p, ok := e.Provider.(interface{ MigrationPlacement() string }); ok {
		r.Placement = p.MigrationPlacement()
	}
	dir, err := mkdir(e.WorkDir, "phase3")
	if st.do("prepare", func() error { return err }) != nil {
		return r
	}
	src, dst := filepath.Join(dir, "phase3-source.db"), filepath.Join(dir, "phase3-roundtrip.db")

	var pg *pgtest.Server
	e.Progress.Set("phase", "3 migration: postgres")
	if st.do("postgres", func() error {
		var err error
		pg, r.PostgresStartMS, err = e.postgres(ctx)
		if err != nil {
			return err
		}
		return pg.CreateDatabase(ctx, c.Database)
	}) != nil {
		return r
	}
	defer e.StopPostgres()
	pgURL := pg.URL(c.Database)

	e.Progress.Set("phase", fmt.Sprintf("3 migration: seeding %d", c.Memories))
	if st.do("seed", func() error { return e.seed(ctx, dir, src, r) }) != nil {
		return r
	}
	migrate := func(name, from, to string, into *json.RawMessage) {
		st.do("migrate_"+name, func() error {
			out, err := e.cli(ctx, dir, src, "migrate", "--from", from, "--to", to, "--batch", fmt.Sprint(c.Batch), "--json")
			if len(out) > 0 && json.Valid(out) {
				*into = json.RawMessage(out)
			}
			return err
		})
	}
	e.Progress.Set("phase", "3 migration: migrating")
	migrate("forward", "sqlite://"+src, pgURL, &r.ReportForward)
	migrate("idempotent", "sqlite://"+src, pgURL, &r.ReportIdempotent)
	migrate("reverse", pgURL, "sqlite://"+dst, &r.ReportReverse)

	st.do("compare", func() error {
		var err error
		if r.SrcCount, r.SrcLinks, r.SrcDigest, err = e.digest(ctx, dir, src); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if r.DstCount, r.DstLinks, r.DstDigest, err = e.digest(ctx, dir, dst); err != nil {
			return fmt.Errorf("round trip: %w", err)
		}
		return nil
	})
	e.Progress.Set("phase", "3 migration: sqlite3 and psql")
	r.SQLSource = e.sqliteStore(ctx, dir, src)
	r.SQLPostgres = e.postgresStore(ctx, dir, pgURL)
	r.SQLRoundTrip = e.sqliteStore(ctx, dir, dst)
	return r
}

// seed fills src through a served node: memories with tags, and every
// LinkEvery-th one linked to its predecessor.
func (e *Env) seed(ctx context.Context, dir, src string, r *report.Phase3) error {
	c := e.Cfg.Phase3
	cl, err := cluster.New(ctx, e.Sup, e.Provider, cluster.Spec{
		Names: []string{"seed"}, Dir: filepath.Join(dir, "seed"), Node: e.nodeOptions(3, 0, 0, 0),
		HTTPTimeout: e.Cfg.Node.HTTPTimeout.D(),
	})
	if err != nil {
		return err
	}
	defer cl.Kill()
	n := cl.Nodes[0]
	n.DB = src
	if err := cl.Start(ctx); err != nil {
		return err
	}
	// Bulk requests of 250 seed quickly; links go one by one, concurrently.
	ids := make([]string, 0, c.Memories)
	for lo := 0; lo < c.Memories; lo += 250 {
		var batch []api.Memory
		for i := lo; i < min(lo+250, c.Memories); i++ {
			batch = append(batch, api.Memory{
				Title: fmt.Sprintf("phase3-%04d", i), Content: fmt.Sprintf("migration fixture %d: ünïcödé, quotes \" and newline\nend", i),
				Tier: []string{"short", "mid", "long"}[i%3], Namespace: c.Namespace,
				Tags: []string{"ship-gate", fmt.Sprintf("bucket-%d", i%7)}, Priority: 1 + i%10, Confidence: float64(i%100) / 100,
				Source: "api", Metadata: map[string]any{"i": i, "nested": map[string]any{"even": i%2 == 0}},
			})
		}
		got, err := n.Client.Bulk(ctx, "ai:ship-gate-seed", batch)
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		ids = append(ids, got...)
	}
	r.Seeded = len(ids)
	var pairs [][2]string
	for i := c.LinkEvery; c.LinkEvery > 0 && i < len(ids); i += c.LinkEvery {
		pairs = append(pairs, [2]string{ids[i], ids[i-1]})
	}
	var next atomic.Int64
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range max(c.SeedWriter, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(pairs) || ctx.Err() != nil {
					return
				}
				err := n.Client.Link(ctx, pairs[i][0], pairs[i][1], "related_to")
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					r.SeededLinks++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := e.changeSome(ctx, n, ids, pairs, r); err != nil {
		return err
	}
	n.Stop() // graceful: the CLI reads the file next
	return e.seedRecords(ctx, dir, src, ids, r)
}

// changeSome updates every 10th memory and deletes every 20th one that no
// link touches (a deleted memory stays as a tombstone, which must migrate
// too; links to it would be dropped with it and blur the link counts).
func (e *Env) changeSome(ctx context.Context, n *cluster.Node, ids []string, pairs [][2]string, r *report.Phase3) error {
	linked := map[string]bool{}
	for _, p := range pairs {
		linked[p[0]], linked[p[1]] = true, true
	}
	for i, id := range ids {
		switch {
		case i%10 == 1:
			if u := n.Client.Update(ctx, "ai:ship-gate-seed", id, fmt.Sprintf("migration fixture %d, updated: ünïcödé\tand a tab", i)); u.Outcome != api.OK {
				return fmt.Errorf("update %s: %d %s", id, u.Status, u.Err)
			}
			r.Updated++
		case i%20 == 2 && !linked[id]:
			if d := n.Client.Delete(ctx, "ai:ship-gate-seed", id); d.Outcome != api.OK {
				return fmt.Errorf("delete %s: %d %s", id, d.Status, d.Err)
			}
			r.Deleted++
		}
	}
	return nil
}

// seedRecords writes records, which only the MCP tools make: a namespace
// standard on each of two namespaces and two subscriptions, one of them
// removed again (a record tombstone).
func (e *Env) seedRecords(ctx context.Context, dir, db string, ids []string, r *report.Phase3) error {
	if len(ids) < 2 {
		return fmt.Errorf("records need two memories, %d seeded", len(ids))
	}
	s, err := e.openMCP(ctx, dir, db)
	if err != nil {
		return err
	}
	defer s.close()
	ns := e.Cfg.Phase3.Namespace
	for i, target := range []string{ns, ns + "-standards"} {
		if err := s.callTool("memory_namespace_set_standard", map[string]any{"namespace": target, "id": ids[i]}, nil); err != nil {
			return err
		}
		r.Records++
	}
	var sub struct {
		ID string `json:"id"`
	}
	for _, path := range []string{"/kept", "/removed"} {
		// Port 9 (discard): nothing is stored after this, so nothing is sent.
		if err := s.callTool("memory_subscribe", map[string]any{"url": "http://127.0.0.1:9" + path, "namespace": ns}, &sub); err != nil {
			return err
		}
		r.Records++
	}
	return s.callTool("memory_unsubscribe", map[string]any{"id": sub.ID}, nil)
}

// digest exports db and hashes a canonical form of every memory and link:
// all fields but the node-local usage statistics (access_count,
// last_accessed_at), rows sorted by key.
func (e *Env) digest(ctx context.Context, dir, db string) (memories, links int, sum string, err error) {
	out, err := e.cli(ctx, dir, db, "export")
	if err != nil {
		return 0, 0, "", err
	}
	var x struct {
		Memories []map[string]any `json:"memories"`
		Links    []map[string]any `json:"links"`
	}
	if err := decode(out, &x); err != nil {
		return 0, 0, "", err
	}
	var lines []string
	for _, m := range x.Memories {
		delete(m, "access_count")
		delete(m, "last_accessed_at")
		b, _ := json.Marshal(m) // map keys marshal sorted: canonical
		lines = append(lines, "m "+string(b))
	}
	for _, l := range x.Links {
		b, _ := json.Marshal(l)
		lines = append(lines, "l "+string(b))
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return len(x.Memories), len(x.Links), hex.EncodeToString(h.Sum(nil)), nil
}

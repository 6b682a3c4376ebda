// Package settle waits, after a chaos cycle's faults healed, until every
// node shows the same state of the cycle's namespace, and dumps that state
// for the checker. It is the only part of the chaos check that talks to
// the cluster; the judging is pure (package validate).
package settle

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// Result is the nodes' final state.
type Result struct {
	Dumps      []validate.Dump
	Converged  bool
	ConvergeMS float64
	Polls      int
}

// Converge polls every node until all hold the same memories (ids, bodies
// and versions) and the same links, or max passes, and returns the last
// dumps. Nodes that cannot answer are dumped with their error.
func Converge(ctx context.Context, nodes []validate.Node, ns string, poll, max time.Duration) Result {
	start := time.Now()
	var r Result
	for {
		r.Polls++
		r.Dumps = listAll(ctx, nodes, ns)
		if agree(r.Dumps) {
			// Links are read only once the memories agree: they cost a
			// request per memory.
			var wg sync.WaitGroup
			for i, n := range nodes {
				wg.Add(1)
				go func() { defer wg.Done(); r.Dumps[i] = withLinks(ctx, n, r.Dumps[i]) }()
			}
			wg.Wait()
			r.Converged = agree(r.Dumps)
		}
		if r.Converged || time.Since(start) >= max || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(poll):
		case <-ctx.Done():
		}
	}
	r.ConvergeMS = float64(time.Since(start).Microseconds()) / 1000
	return r
}

func listAll(ctx context.Context, nodes []validate.Node, ns string) []validate.Dump {
	out := make([]validate.Dump, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := validate.Dump{Node: n.Name}
			res := n.Client.Items(ctx, ns)
			if res.Err != "" {
				d.Err = res.Err
			}
			d.Items = res.Items
			slices.SortFunc(d.Items, func(a, b history.Item) int { return cmpString(a.ID, b.ID) })
			out[i] = d
		}()
	}
	wg.Wait()
	return out
}

// agree reports whether every node answered and all hold identical items
// and links.
func agree(ds []validate.Dump) bool {
	for _, d := range ds {
		if d.Err != "" {
			return false
		}
	}
	for _, d := range ds[1:] {
		if !slices.Equal(d.Items, ds[0].Items) || !slices.Equal(d.Links, ds[0].Links) {
			return false
		}
	}
	return true
}

// withLinks adds the outgoing links of every listed memory.
func withLinks(ctx context.Context, n validate.Node, d validate.Dump) validate.Dump {
	for _, it := range d.Items {
		targets, err := n.Client.Links(ctx, it.ID)
		if err != nil {
			d.Err = fmt.Sprintf("links of %s: %v", it.ID, err)
			return d
		}
		slices.Sort(targets)
		for _, t := range targets {
			d.Links = append(d.Links, validate.Link{Source: it.ID, Target: t, Relation: "related_to"})
		}
	}
	return d
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

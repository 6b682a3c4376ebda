package validate

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
)

// Node is a node whose contents are checked.
type Node struct {
	Name   string
	Client *api.Client
}

// Sample is one poll: "t_ms" since settling began, and per node the number
// of acknowledged ids it holds.
type Sample map[string]float64

// Convergence is the id-by-id state of every node after settling.
type Convergence struct {
	Converged  bool                `json:"converged"`
	ConvergeMS float64             `json:"converge_ms"` // time until every id was everywhere (or the limit)
	Acked      int                 `json:"acked"`
	Present    map[string]int      `json:"present"`
	Missing    map[string][]string `json:"missing_ids"`
	// Unlisted ids are held by a node (GET finds them) but its paged
	// listing leaves them out: a broken list endpoint, reported as such
	// instead of as loss (upstream's bogus 0.2).
	Unlisted map[string][]string `json:"unlisted_ids,omitempty"`
	Listed   map[string]int      `json:"listed"`
	Series   []Sample            `json:"convergence_series"`
	Errors   []string            `json:"errors,omitempty"`
}

// Bound is upstream's convergence_bound over these nodes.
func (c *Convergence) Bound() float64 { return Bound(c.Acked, c.Present) }

// Lost returns every acknowledged id missing from at least one node.
func (c *Convergence) Lost() []string {
	seen := map[string]bool{}
	var out []string
	for _, ids := range c.Missing {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// getParallel bounds concurrent single-id GETs per node.
const getParallel = 16

// Settle polls every node until each holds every acked id or max passes.
// Each poll pages the namespace listing and GETs the ids the listing lacks,
// so a node is never judged on one page, and a listing that omits ids a
// node holds is caught. Ids only accumulate (the workload never deletes).
func Settle(ctx context.Context, nodes []Node, ns string, acked []string, poll, max time.Duration) *Convergence {
	start := time.Now()
	c := &Convergence{Acked: len(acked), Present: map[string]int{}, Missing: map[string][]string{},
		Unlisted: map[string][]string{}, Listed: map[string]int{}}
	want := make(map[string]bool, len(acked))
	for _, id := range acked {
		want[id] = true
	}
	found := make([]map[string]bool, len(nodes))
	for i := range nodes {
		found[i] = map[string]bool{}
	}
	errs := make([]string, len(nodes))
	for round := 0; ; round++ {
		// The first poll pages the listing (cheap for many ids); later polls
		// only GET the ids still missing, which costs the nodes far less.
		list := round == 0
		var wg sync.WaitGroup
		for i, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := pollNode(ctx, n, ns, acked, want, found[i], list); err != nil {
					errs[i] = fmt.Sprintf("node %s: %v", n.Name, err)
				} else {
					errs[i] = ""
				}
			}()
		}
		wg.Wait()
		s := Sample{"t_ms": float64(time.Since(start).Microseconds()) / 1000}
		all := true
		for i, n := range nodes {
			s[n.Name] = float64(len(found[i]))
			all = all && len(found[i]) == len(acked)
		}
		c.Series = append(c.Series, s)
		if all || time.Since(start) >= max || ctx.Err() != nil {
			c.Converged = all
			break
		}
		select {
		case <-time.After(poll):
		case <-ctx.Done():
		}
	}
	c.ConvergeMS = float64(time.Since(start).Microseconds()) / 1000
	// A final listing names ids that exist but are not listed.
	for i, n := range nodes {
		c.Present[n.Name] = len(found[i])
		missing := []string{}
		for _, id := range acked {
			if !found[i][id] {
				missing = append(missing, id)
			}
		}
		c.Missing[n.Name] = missing
		ids, err := n.Client.ListIDs(ctx, ns)
		if err != nil {
			c.Errors = append(c.Errors, fmt.Sprintf("node %s: final listing: %v", n.Name, err))
		}
		c.Listed[n.Name] = len(ids)
		listed := make(map[string]bool, len(ids))
		for _, id := range ids {
			listed[id] = true
		}
		var unl []string
		for _, id := range acked {
			if found[i][id] && !listed[id] {
				unl = append(unl, id)
			}
		}
		if len(unl) > 0 {
			c.Unlisted[n.Name] = unl
		}
		if errs[i] != "" {
			c.Errors = append(c.Errors, errs[i])
		}
	}
	return c
}

// pollNode marks in found every acked id the node holds. Ids the listing
// shows that were never acknowledged (a 503 whose local copy stayed) are
// not counted: only acknowledged writes are owed.
func pollNode(ctx context.Context, n Node, ns string, acked []string, want, found map[string]bool, list bool) error {
	var lerr error
	if list {
		var ids []string
		ids, lerr = n.Client.ListIDs(ctx, ns)
		for _, id := range ids {
			if want[id] {
				found[id] = true
			}
		}
	}
	var todo []string
	for _, id := range acked {
		if !found[id] {
			todo = append(todo, id)
		}
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, getParallel)
	var wg sync.WaitGroup
	for _, id := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok, err := n.Client.Exists(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				found[id] = true
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	if lerr != nil {
		return lerr
	}
	return firstErr
}

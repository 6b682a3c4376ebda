// Package traffic drives concurrent writers against a cluster: several
// agents, each with several requests in flight, spread round-robin over the
// nodes, every request recorded in a history.
package traffic

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Target is a node writes can go to.
type Target struct {
	Name   string
	Client *api.Client
}

// Config is one burst of writes.
type Config struct {
	Phase     int
	Class     string
	Cycle     int
	Namespace string
	Source    string
	Prefix    string // title prefix; titles are unique per write
	Agents    []string
	InFlight  int // per agent
	Total     int // writes over all agents
	Targets   []Target
	Rec       *history.Recorder
	ProcBase  int // added to worker numbers so procs stay unique in a shared history
}

// Run is a burst in progress.
type Run struct {
	cfg      Config
	next     atomic.Int64
	acked    atomic.Int64
	inflight atomic.Int64
	done     chan struct{}

	mu    sync.Mutex
	res   Result
	ackCh chan struct{}
}

// Result of a burst.
type Result struct {
	history.Tally
	AckedIDs []string       `json:"-"`
	ByNode   map[string]int `json:"by_node"` // acknowledged writes per coordinator
}

// Start launches len(Agents)*InFlight workers that share Total writes.
// Write i goes to Targets[i % len(Targets)] as Agents[worker's agent].
func Start(ctx context.Context, cfg Config) *Run {
	r := &Run{cfg: cfg, done: make(chan struct{}), ackCh: make(chan struct{}, 1)}
	r.res.ByNode = map[string]int{}
	var wg sync.WaitGroup
	w := 0
	for _, agent := range cfg.Agents {
		for range cfg.InFlight {
			proc := cfg.ProcBase + w
			w++
			wg.Add(1)
			go func() { defer wg.Done(); r.worker(ctx, proc, agent) }()
		}
	}
	go func() { wg.Wait(); close(r.done) }()
	return r
}

func (r *Run) worker(ctx context.Context, proc int, agent string) {
	cfg := r.cfg
	for ctx.Err() == nil {
		i := int(r.next.Add(1)) - 1
		if i >= cfg.Total {
			return
		}
		t := cfg.Targets[i%len(cfg.Targets)]
		key := fmt.Sprintf("%s-%05d", cfg.Prefix, i)
		base := history.Op{Proc: proc, Phase: cfg.Phase, Class: cfg.Class, Cycle: cfg.Cycle, Agent: agent, Node: t.Name, Key: key}
		inv := base
		inv.Op = history.Invoke
		r.inflight.Add(1)
		cfg.Rec.Add(inv)
		wr := t.Client.Create(ctx, agent, api.Memory{
			Title: key, Content: fmt.Sprintf("ship-gate phase %d write %d by %s via node %s", cfg.Phase, i, agent, t.Name),
			Tier: "mid", Namespace: cfg.Namespace, Tags: []string{"ship-gate", agent},
			Priority: 5, Confidence: 1.0, Source: cfg.Source,
			Metadata: map[string]any{"ship_gate_key": key},
		})
		done := base
		done.Op, done.ID, done.Status, done.Error = wr.Outcome, wr.ID, wr.Status, wr.Err
		if wr.Code != "" && done.Error == "" {
			done.Error = wr.Code
		}
		cfg.Rec.Add(done)
		r.inflight.Add(-1)
		r.mu.Lock()
		r.res.Invoked++
		switch wr.Outcome {
		case api.OK:
			r.res.OK++
			r.res.AckedIDs = append(r.res.AckedIDs, wr.ID)
			r.res.ByNode[t.Name]++
		case api.Fail:
			r.res.Fail++
		default:
			r.res.Unknown++
			if wr.Status == 503 {
				r.res.QuorumNotMet++
			}
		}
		r.mu.Unlock()
		if wr.Outcome == api.OK {
			r.acked.Add(1)
			select {
			case r.ackCh <- struct{}{}:
			default:
			}
		}
	}
}

// Acked is the number of acknowledged writes so far.
func (r *Run) Acked() int { return int(r.acked.Load()) }

// InFlight is the number of requests currently outstanding.
func (r *Run) InFlight() int { return int(r.inflight.Load()) }

// WaitAcked blocks until at least n writes are acknowledged; false if the
// burst ended (or ctx did) first.
func (r *Run) WaitAcked(ctx context.Context, n int) bool {
	for r.Acked() < n {
		select {
		case <-r.ackCh:
		case <-r.done:
			return r.Acked() >= n
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// Wait blocks until the burst ends and returns its result.
func (r *Run) Wait() Result {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res
}

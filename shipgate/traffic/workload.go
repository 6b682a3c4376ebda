package traffic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// WorkloadConfig is the chaos phase's mixed traffic on one cycle's keys.
type WorkloadConfig struct {
	Phase, Cycle int
	Class        string
	Namespace    string
	Keys         int
	Agents       []string
	PerAgent     int // client processes per agent, one request in flight each
	Targets      []Target
	Rec          *history.Log
	ProcBase     int
	MaxOps       int
	Think        time.Duration // mean pause of a client between operations
	Seed         uint64
	// FaultAfter is the count of acknowledged operations at which the
	// cycle's fault is injected (0: no fault); one delete per node waits
	// for it (faultDeleter).
	FaultAfter int
}

// Operation mix, in percent of picks. Deletes are also capped per cycle so
// most keys stay alive for the other operations.
var mix = []struct {
	kind   string
	weight int
}{
	{history.Put, 36}, {history.Update, 26}, {history.Get, 16}, {history.Link, 8}, {history.List, 6}, {history.Delete, 8},
}

// keyState is what the clients together know of one key. A key's puts all
// go through its home node, so a healthy cluster gives it one id; once a
// delete of the key is chosen the key is retired and never written again,
// so a delete's fate is never confused with a later write.
type keyState struct {
	name    string
	home    int
	id      string
	retired bool
}

// Workload is mixed traffic in progress.
type Workload struct {
	cfg     WorkloadConfig
	ops     atomic.Int64
	acked   atomic.Int64
	deletes atomic.Int64
	// triggered is closed when FaultAfter acknowledgements are reached.
	triggered chan struct{}
	stop      chan struct{}
	done      chan struct{}
	ackCh     chan struct{}

	mu   sync.Mutex
	keys []*keyState
}

// StartWorkload launches len(Agents)*PerAgent clients. They run until Stop,
// until ctx ends, or until MaxOps operations were issued.
func StartWorkload(ctx context.Context, cfg WorkloadConfig) *Workload {
	w := &Workload{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{}), ackCh: make(chan struct{}, 1),
		triggered: make(chan struct{})}
	for i := range cfg.Keys {
		w.keys = append(w.keys, &keyState{name: fmt.Sprintf("k%02d", i), home: i % len(cfg.Targets)})
	}
	var wg sync.WaitGroup
	n := 0
	for _, agent := range cfg.Agents {
		for range cfg.PerAgent {
			c := &client{w: w, proc: cfg.ProcBase + n, agent: agent, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(n)))}
			n++
			wg.Add(1)
			go func() { defer wg.Done(); c.run(ctx) }()
		}
	}
	if cfg.FaultAfter > 0 {
		for j := range cfg.Targets {
			c := &client{w: w, proc: cfg.ProcBase + faultDeleterProc + j, agent: cfg.Agents[j%len(cfg.Agents)],
				rng: rand.New(rand.NewPCG(cfg.Seed, uint64(faultDeleterProc+j)))}
			wg.Add(1)
			go func() { defer wg.Done(); c.faultDelete(ctx, j) }()
		}
	}
	go func() { wg.Wait(); close(w.done) }()
	return w
}

// Acked is the number of operations acknowledged so far.
func (w *Workload) Acked() int { return int(w.acked.Load()) }

// WaitAcked blocks until n operations were acknowledged; false if the
// workload ended (or ctx did) first.
func (w *Workload) WaitAcked(ctx context.Context, n int) bool {
	for w.Acked() < n {
		select {
		case <-w.ackCh:
		case <-w.done:
			return w.Acked() >= n
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// Stop ends the workload and waits for every client's last operation.
func (w *Workload) Stop() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

func (w *Workload) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// client is one process of the history: one request in flight at a time.
type client struct {
	w     *Workload
	proc  int
	agent string
	rng   *rand.Rand
	seq   int
}

func (c *client) run(ctx context.Context) {
	for ctx.Err() == nil && !c.w.stopped() && int(c.w.ops.Load()) < c.w.cfg.MaxOps {
		if t := c.w.cfg.Think; t > 0 {
			select {
			case <-time.After(time.Duration(c.rng.Int64N(int64(2 * t)))):
			case <-c.w.stop:
				return
			}
		}
		switch c.pick() {
		case history.Put:
			c.put(ctx)
		case history.Update:
			c.update(ctx)
		case history.Delete:
			c.delete(ctx)
		case history.Link:
			c.link(ctx)
		case history.Get:
			if k := c.w.known(c.rng, false); k != nil {
				c.get(ctx, c.node(), k)
			}
		case history.List:
			c.list(ctx)
		}
	}
}

func (c *client) pick() string {
	r := c.rng.IntN(100)
	for _, m := range mix {
		if r < m.weight {
			return m.kind
		}
		r -= m.weight
	}
	return history.Get
}

func (c *client) node() int { return c.rng.IntN(len(c.w.cfg.Targets)) }

// value is unique per write: key, client and sequence number.
func (c *client) value(key string) string {
	c.seq++
	return fmt.Sprintf("%s p%d s%d", key, c.proc, c.seq)
}

func (c *client) put(ctx context.Context) {
	k := c.w.live(c.rng)
	if k == nil {
		return
	}
	v := c.value(k.name)
	t := c.w.cfg.Targets[k.home]
	m := api.Memory{Title: k.name, Content: v, Tier: "mid", Namespace: c.w.cfg.Namespace, Tags: []string{"chaos"},
		Priority: 5, Confidence: 1, Source: "chaos"}
	for retry := 0; retry <= 1; retry++ {
		r := c.do(history.Op{Kind: history.Put, Node: t.Name, Key: k.name, Value: v, Retry: retry}, func() api.Result {
			return t.Client.Put(ctx, c.agent, m)
		})
		if r.Outcome == api.OK {
			c.w.learn(k, r.ID)
		}
		if r.Outcome != api.Unknown || ctx.Err() != nil {
			return
		}
	}
}

// update reads the key through one node, then writes it through the same
// node, so the history shows what that node had seen before the write.
func (c *client) update(ctx context.Context) {
	k := c.w.known(c.rng, true)
	if k == nil {
		return
	}
	n := c.node()
	if r := c.get(ctx, n, k); r.Outcome != api.OK {
		return
	}
	v := c.value(k.name)
	t := c.w.cfg.Targets[n]
	c.do(history.Op{Kind: history.Update, Node: t.Name, Key: k.name, ID: k.id, Value: v}, func() api.Result {
		return t.Client.Update(ctx, c.agent, k.id, v)
	})
}

// A delete that a partitioned node misses is what shows whether
// anti-entropy carries deletes, so deletes must fall while the fault is on.
// The clients' own deletes, spaced by deleteSpacing operations, often do
// not: once a node is cut, every client soon waits out a request to it, and
// a short fault passed with no delete at all (the tombstone-skip-on-sync
// canary escaped one-cycle campaigns). So one delete per node is kept for
// the fault, each sent by a faultDeleter of its own faultSettle after the
// fault's trigger was reached (the fault is in place by then, and lasts
// 200 ms at least); the clients share what is left of the cycle's cap.
const (
	deleteSpacing = 60
	faultSettle   = 50 * time.Millisecond
	// faultDeleterProc numbers the fault deleters' processes after the
	// clients' within a cycle's ProcBase.
	faultDeleterProc = 500
)

// deleteCap is how many deletes a cycle makes at most: most keys stay
// alive for the other operations.
func (w *Workload) deleteCap() int { return w.cfg.Keys / 3 }

// deleteAllowed says whether a client may make the cycle's d+1-th delete.
func (w *Workload) deleteAllowed(d int) bool {
	limit := w.deleteCap()
	if w.cfg.FaultAfter > 0 {
		limit -= len(w.cfg.Targets)
	}
	return d < limit && int(w.ops.Load()) >= d*deleteSpacing
}

// faultDelete waits until the fault has settled, then deletes one key
// through node n.
func (c *client) faultDelete(ctx context.Context, n int) {
	select {
	case <-c.w.triggered:
	case <-c.w.stop:
		return
	case <-ctx.Done():
		return
	}
	settle := time.NewTimer(faultSettle)
	defer settle.Stop()
	select {
	case <-settle.C:
	case <-c.w.stop:
		return
	case <-ctx.Done():
		return
	}
	if int(c.w.deletes.Load()) < c.w.deleteCap() {
		c.deleteVia(ctx, n)
	}
}

// delete retires a key, reads it through one node, then deletes it there.
func (c *client) delete(ctx context.Context) {
	if c.w.deleteAllowed(int(c.w.deletes.Load())) {
		c.deleteVia(ctx, c.node())
	}
}

func (c *client) deleteVia(ctx context.Context, n int) {
	k := c.w.retire(c.rng)
	if k == nil {
		return
	}
	c.w.deletes.Add(1)
	if r := c.get(ctx, n, k); r.Outcome != api.OK {
		return
	}
	t := c.w.cfg.Targets[n]
	c.do(history.Op{Kind: history.Delete, Node: t.Name, Key: k.name, ID: k.id}, func() api.Result {
		return t.Client.Delete(ctx, c.agent, k.id)
	})
}

func (c *client) link(ctx context.Context) {
	a, b := c.w.known(c.rng, true), c.w.known(c.rng, true)
	if a == nil || b == nil || a == b {
		return
	}
	t := c.w.cfg.Targets[c.node()]
	c.do(history.Op{Kind: history.Link, Node: t.Name, Key: a.name, ID: a.id, Target: b.id}, func() api.Result {
		return t.Client.LinkTo(ctx, c.agent, a.id, b.id)
	})
}

func (c *client) get(ctx context.Context, n int, k *keyState) api.Result {
	t := c.w.cfg.Targets[n]
	return c.do(history.Op{Kind: history.Get, Node: t.Name, Key: k.name, ID: k.id}, func() api.Result {
		return t.Client.Get(ctx, k.id)
	})
}

func (c *client) list(ctx context.Context) {
	t := c.w.cfg.Targets[c.node()]
	c.do(history.Op{Kind: history.List, Node: t.Name}, func() api.Result {
		return t.Client.Items(ctx, c.w.cfg.Namespace)
	})
}

// do records the invoke, runs the request and records its completion.
func (c *client) do(inv history.Op, call func() api.Result) api.Result {
	cfg := c.w.cfg
	c.w.ops.Add(1)
	inv.Op, inv.Proc, inv.Phase, inv.Class, inv.Cycle, inv.Agent = history.Invoke, c.proc, cfg.Phase, cfg.Class, cfg.Cycle, c.agent
	cfg.Rec.Add(inv)
	r := call()
	done := history.Op{Op: r.Outcome, Kind: inv.Kind, Proc: c.proc, Phase: cfg.Phase, Class: cfg.Class, Cycle: cfg.Cycle,
		Agent: c.agent, Node: inv.Node, Key: inv.Key, ID: r.ID, Version: r.Version, Items: r.Items,
		Status: r.Status, Error: r.Err, Retry: inv.Retry}
	if inv.Kind == history.Get {
		done.Value = r.Value
	}
	if done.Error == "" && r.Code != "" && r.Outcome != api.OK {
		done.Error = r.Code
	}
	cfg.Rec.Add(done)
	if r.Outcome == api.OK {
		if n := c.w.acked.Add(1); n == int64(c.w.cfg.FaultAfter) {
			close(c.w.triggered)
		}
		select {
		case c.w.ackCh <- struct{}{}:
		default:
		}
	}
	return r
}

// live picks a key that may still be written.
func (w *Workload) live(rng *rand.Rand) *keyState {
	w.mu.Lock()
	defer w.mu.Unlock()
	var c []*keyState
	for _, k := range w.keys {
		if !k.retired {
			c = append(c, k)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[rng.IntN(len(c))]
}

// known picks a key whose id a client has learnt; writable excludes
// retired keys. The result is a copy: the id cannot change under a caller.
func (w *Workload) known(rng *rand.Rand, writable bool) *keyState {
	w.mu.Lock()
	defer w.mu.Unlock()
	var c []*keyState
	for _, k := range w.keys {
		if k.id != "" && (!writable || !k.retired) {
			c = append(c, k)
		}
	}
	if len(c) == 0 {
		return nil
	}
	k := *c[rng.IntN(len(c))]
	return &k
}

// retire picks a live key with a known id and marks it retired.
func (w *Workload) retire(rng *rand.Rand) *keyState {
	w.mu.Lock()
	defer w.mu.Unlock()
	var c []*keyState
	for _, k := range w.keys {
		if k.id != "" && !k.retired {
			c = append(c, k)
		}
	}
	if len(c) == 0 {
		return nil
	}
	k := c[rng.IntN(len(c))]
	k.retired = true
	cp := *k
	return &cp
}

// learn records the id a put acknowledged for k (the first one sticks:
// a second id for one key is the checker's to report, not ours to hide).
func (w *Workload) learn(k *keyState, id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k.id == "" {
		k.id = id
	}
}

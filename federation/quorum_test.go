package federation

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/faults"
)

func quorumError(t *testing.T, err error) *memory.Error {
	t.Helper()
	var me *memory.Error
	if !errors.As(err, &me) || me.Code != memory.CodeQuorumNotMet {
		t.Fatalf("want quorum_not_met, got %v", err)
	}
	return me
}

func TestQuorumWriteReachesEveryNode(t *testing.T) {
	nodes := startCluster(t, 3, 2, nil)
	var ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id, err := nodes[0].store(t, title("w"+string(rune('0'+w)), i))
				if err != nil {
					t.Errorf("write: %v", err)
					return
				}
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(ids) != 100 {
		t.Fatalf("%d writes acknowledged, want 100", len(ids))
	}
	eventually(t, 60*time.Second, converged(t, nodes, ids))
}

func TestQuorumNotMetWhenPeersDown(t *testing.T) {
	nodes := startCluster(t, 3, 2, nil)
	nodes[1].stop()
	if _, err := nodes[0].store(t, "one peer down"); err != nil {
		t.Fatalf("W=2 with one live peer: %v", err)
	}
	nodes[2].stop()
	start := time.Now()
	id, err := nodes[0].store(t, "both peers down")
	me := quorumError(t, err)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("refused peers answered after %s; want a fast failure", took)
	}
	if me.Details["got"] != 1 || me.Details["needed"] != 2 || me.Details["reason"] != reasonUnreachable {
		t.Errorf("details = %v", me.Details)
	}
	if !nodes[0].activeIDs(t)[id] {
		t.Error("the local copy of a write without quorum must stay")
	}
}

// blackhole accepts connections and never answers, like a paused node.
func blackhole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestQuorumTimeout(t *testing.T) {
	nodes := newTestNodes(t, 1)
	cfg := Config{Peers: []string{blackhole(t), blackhole(t)}, W: 2, QuorumTimeout: 300 * time.Millisecond, SyncInterval: -1}
	nodes[0].start(t, cfg)
	start := time.Now()
	_, err := nodes[0].store(t, "nobody answers")
	me := quorumError(t, err)
	took := time.Since(start)
	if me.Details["reason"] != reasonTimeout || took < 300*time.Millisecond || took > time.Second {
		t.Errorf("reason %v after %s, want timeout after ~300ms", me.Details["reason"], took)
	}
	if st := nodes[0].fed.Status(); st.PendingFanout != 2 {
		t.Errorf("pending fan-out right after the answer = %d, want 2 (pushes outlive the answer)", st.PendingFanout)
	}
}

// A peer listed under two URLs is one copy: the ack is counted per node id.
func TestAckCountedOncePerNode(t *testing.T) {
	nodes := newTestNodes(t, 2)
	second, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nodes[1].start(t, testConfig(nodes, nodes[1], 1))
	go (&http.Server{Handler: nodes[1].srv.Handler}).Serve(second)
	t.Cleanup(func() { second.Close() })
	cfg := testConfig(nodes, nodes[0], 3)
	cfg.Peers = append(cfg.Peers, "http://"+second.Addr().String())
	nodes[0].start(t, cfg)
	_, err = nodes[0].store(t, "one peer, two urls")
	me := quorumError(t, err)
	if me.Details["got"] != 2 {
		t.Errorf("got %v copies, want 2: one node acking twice is one copy", me.Details["got"])
	}
}

// The push outlives the write's context: a caller that goes away right
// after the answer must not take the slow peer's copy with it.
func TestFanoutSurvivesCallerCancel(t *testing.T) {
	nodes := newTestNodes(t, 3)
	nodes[2].wrap = delayPush(300 * time.Millisecond)
	for _, n := range nodes {
		n.start(t, Config{Peers: peersOf(nodes, n), W: 2, QuorumTimeout: 2 * time.Second, SyncInterval: -1})
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err := nodes[0].eng.Store(ctx, engine.NewMemory{Title: "cancelled caller", Content: "c", Namespace: "fed"})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, converged(t, nodes, []string{res.Memory.ID}))
}

func TestFaultCancelFanoutLosesCopies(t *testing.T) {
	nodes := startCluster(t, 3, 2, func(n *testNode, c *Config) {
		c.Faults = faults.Set{CancelFanoutAfterQuorum: true}
	})
	var ids []string
	for i := range 20 {
		id, err := nodes[0].store(t, title("cancel", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	time.Sleep(500 * time.Millisecond) // five sync intervals, were sync on
	if miss := missing(nodes[2].activeIDs(t), ids); len(miss) != len(ids) {
		t.Fatalf("with the fault node c lacks %d of %d acknowledged ids; want all (pushes stop at quorum, sync off)", len(miss), len(ids))
	}
	if st := nodes[0].fed.Status(); st.SyncEnabled || st.Peers[0].LagMs != -1 {
		t.Error("sync must be off under cancel-fanout-after-quorum")
	}
}

func TestFaultDoubleCountAck(t *testing.T) {
	nodes := startCluster(t, 3, 2, func(n *testNode, c *Config) { c.Faults = faults.Set{DoubleCountAck: true} })
	nodes[1].stop()
	nodes[2].stop()
	if _, err := nodes[0].store(t, "no peer holds this"); err != nil {
		t.Fatalf("under double-count-ack W=2 is met by the local copy alone, got %v", err)
	}
}

func delayPush(d time.Duration) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == PathPush {
				time.Sleep(d)
			}
			h.ServeHTTP(w, r)
		})
	}
}

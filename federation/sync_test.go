package federation

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/faults"
)

// A node that missed writes while down pulls them when it comes back,
// from a feed that also carries rows the peer got from others.
func TestRestartedNodeCatchesUp(t *testing.T) {
	nodes := newTestNodes(t, 3)
	nodes[2].unplug()
	for _, n := range nodes[:2] {
		n.start(t, testConfig(nodes, n, 2))
	}
	var ids []string
	for i := range 300 {
		id, err := nodes[i%2].store(t, title("down", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	nodes[2].start(t, testConfig(nodes, nodes[2], 2))
	eventually(t, 60*time.Second, converged(t, nodes, ids))
	eventually(t, 5*time.Second, func() string {
		for _, p := range nodes[2].fed.Status().Peers {
			if p.NodeID == "" || p.HighWaterSeq == 0 || p.LagSeq != 0 || p.LagMs < 0 || p.LastContact == nil || p.RowsPulled < 300 {
				return fmt.Sprintf("status after catch-up: %+v", p)
			}
		}
		return ""
	})
}

// Survivors converge without the node that coordinated the writes: a
// row only one survivor holds reaches the other through sync.
func TestSurvivorsConvergeWithoutCoordinator(t *testing.T) {
	nodes := newTestNodes(t, 3)
	nodes[1].unplug()
	nodes[2].start(t, Config{Peers: peersOf(nodes, nodes[2]), W: 1, SyncInterval: -1})
	nodes[0].start(t, Config{Peers: []string{nodes[2].url}, W: 2, SyncInterval: -1})
	id, err := nodes[0].store(t, "only on a and c")
	if err != nil {
		t.Fatal(err)
	}
	nodes[0].stop()
	nodes[1].start(t, testConfig(nodes, nodes[1], 2))
	eventually(t, 5*time.Second, func() string {
		if !nodes[1].activeIDs(t)[id] {
			return "b never pulled the row c got from the dead coordinator"
		}
		return ""
	})
}

func TestDeletesAndUpdatesConverge(t *testing.T) {
	nodes := startCluster(t, 3, 2, nil)
	ctx := ctxT(t)
	var keep []string
	var gone []string
	for i := range 10 {
		id, err := nodes[i%3].store(t, title("du", i))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			gone = append(gone, id)
		} else {
			keep = append(keep, id)
		}
	}
	eventually(t, 5*time.Second, converged(t, nodes, append(append([]string{}, keep...), gone...)))
	for i, id := range gone {
		if _, err := nodes[(i+1)%3].eng.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range keep {
		c := "updated on " + nodes[(i+2)%3].name
		if _, _, err := nodes[(i+2)%3].eng.Update(ctx, id, engine.Patch{Content: &c}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, converged(t, nodes, keep))
	eventually(t, 5*time.Second, func() string {
		for _, n := range nodes {
			for _, id := range keep {
				m, err := n.st.GetMemory(ctx, id)
				if err != nil || !strings.HasPrefix(m.Content, "updated on ") {
					return fmt.Sprintf("node %s: %s = %+v, %v", n.name, id, m, err)
				}
			}
		}
		return ""
	})
}

func TestFaultSkipConsolidateDiverges(t *testing.T) {
	for _, on := range []bool{false, true} {
		nodes := startCluster(t, 3, 2, func(n *testNode, c *Config) { c.Faults.SkipReplicateConsolidate = on })
		a, _ := nodes[0].store(t, "source one")
		b, _ := nodes[0].store(t, "source two")
		res, err := nodes[0].eng.Consolidate(ctxT(t), engine.ConsolidateInput{IDs: []string{a, b}, Title: "merged"})
		if err != nil {
			t.Fatal(err)
		}
		check := converged(t, nodes, []string{res.Memory.ID})
		if !on {
			eventually(t, 5*time.Second, check)
			continue
		}
		time.Sleep(500 * time.Millisecond)
		if msg := check(); msg == "" {
			t.Fatal("skip-replicate-consolidate: peers converged; the fault must leave them diverged")
		}
	}
}

// Under ack-before-durable a peer acknowledges batches it holds only in
// memory; closing its store before the delayed apply (a crash) loses them.
func TestFaultAckBeforeDurableLosesOnCrash(t *testing.T) {
	nodes := newTestNodes(t, 2)
	nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: -1, Faults: faults.Set{AckBeforeDurable: true}})
	nodes[0].start(t, Config{Peers: []string{nodes[1].url}, W: 2, SyncInterval: -1})
	id, err := nodes[0].store(t, "acked in memory")
	if err != nil {
		t.Fatal(err)
	}
	nodes[1].srv.Close()
	nodes[1].st.Close() // the crash: the delayed apply finds no store
	st, err := reopen(nodes[1])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.GetMemory(ctxT(t), id); !memory.IsNotFound(err) {
		t.Fatalf("acknowledged row survived the crash (%v); the fault must lose it", err)
	}
}

// The change feed reports the node's newest sequence on every page.
func TestSinceReportsHeadSeq(t *testing.T) {
	nodes := newTestNodes(t, 1)
	nodes[0].start(t, Config{Peers: []string{blackhole(t)}, W: 1, SyncInterval: -1})
	b := &memory.Batch{}
	for i := range 3000 {
		now := time.Now().UTC()
		b.Memories = append(b.Memories, memory.Memory{ID: memory.NewID(now), Tier: memory.TierLong, Namespace: "fed",
			Title: title("h", i), Content: "x", Tags: []string{}, Priority: 5, Confidence: 1, Source: "api",
			Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now, State: memory.StateActive, Origin: "x", Version: memory.MakeHLC(now.UnixMilli(), 0)})
	}
	if _, err := nodes[0].st.Apply(ctxT(t), b); err != nil {
		t.Fatal(err)
	}
	var head int64
	for more := true; more; {
		cs, err := nodes[0].st.Changes(ctxT(t), head, 1000)
		if err != nil {
			t.Fatal(err)
		}
		head, more = cs.NextSeq, cs.More
	}
	p, err := newPeer(nodes[0].url, http.DefaultClient, "node-reader", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []int64{0, 17, 1024, head - 1, head} {
		a, err := p.since(ctxT(t), from, 10)
		if err != nil || a.HeadSeq != head {
			t.Errorf("since(seq=%d) head_seq = %d, %v; want %d", from, a.HeadSeq, err, head)
		}
	}
}

func TestEncodeChunksSplitsLargeBatches(t *testing.T) {
	b := &memory.Batch{Op: "import"}
	big := strings.Repeat("x", 60000)
	for i := range 100 {
		b.Memories = append(b.Memories, memory.Memory{ID: title("m", i), Content: big})
	}
	b.Links = append(b.Links, memory.Link{SourceID: "m-0", TargetID: "m-1", Relation: memory.RelatedTo})
	chunks, err := encodeChunks(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 3 {
		t.Fatalf("6 MB batch in %d chunks", len(chunks))
	}
	var mems, links int
	for _, c := range chunks {
		if len(c) > maxChunkBytes {
			t.Errorf("chunk of %d bytes exceeds %d", len(c), maxChunkBytes)
		}
		var part memory.Batch
		if err := json.Unmarshal(c, &part); err != nil || part.Op != "import" {
			t.Fatalf("chunk: %v, op %q", err, part.Op)
		}
		mems, links = mems+len(part.Memories), links+len(part.Links)
	}
	if mems != 100 || links != 1 {
		t.Errorf("chunks carry %d memories and %d links, want 100 and 1", mems, links)
	}
}

package federation

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/faults"
)

// copies counts node n's active memories titled title.
func (n *testNode) copies(t *testing.T, title string) int {
	t.Helper()
	page, _, err := n.st.ListMemories(ctxT(t), memory.ListQuery{Namespace: "fed", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c := 0
	for _, m := range page {
		if m.Title == title {
			c++
		}
	}
	return c
}

// loseFirstPushAnswer holds the answer to the first push past the
// coordinator's attempt timeout (the peer has applied it), so the
// coordinator retries the very same batch.
func loseFirstPushAnswer(hold time.Duration) func(http.Handler) http.Handler {
	var pushes atomic.Int64
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r) // the answer stays buffered until this returns
			if r.URL.Path == PathPush && pushes.Add(1) == 1 {
				time.Sleep(hold)
			}
		})
	}
}

// A push retried after its answer was lost is stored once, or twice (under
// a new id) with retry-duplicates.
func TestFaultRetryDuplicatesStoresRetriedPushTwice(t *testing.T) {
	for _, on := range []bool{false, true} {
		nodes := newTestNodes(t, 2)
		nodes[1].wrap = loseFirstPushAnswer(time.Second)
		nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: -1, Faults: faults.Set{RetryDuplicates: on}})
		nodes[0].start(t, Config{Peers: []string{nodes[1].url}, W: 2, QuorumTimeout: 300 * time.Millisecond, SyncInterval: -1})
		nodes[0].store(t, "pushed twice") // quorum_not_met: the first answer is late
		want := map[bool]int{false: 1, true: 2}[on]
		eventually(t, 5*time.Second, func() string {
			if st := nodes[0].fed.Status().Peers[0]; st.PushesOK != 1 || st.PendingFanout != 0 {
				return fmt.Sprintf("retried push not acknowledged yet: %+v", st)
			}
			return ""
		})
		if got := nodes[1].copies(t, "pushed twice"); got != want {
			t.Errorf("retry-duplicates=%v: the peer holds %d copies, want %d", on, got, want)
		}
	}
}

// Anti-entropy carries a delete to a node that missed its push, except
// under tombstone-skip-on-sync.
func TestFaultTombstoneSkipOnSyncKeepsDeletedRows(t *testing.T) {
	for _, on := range []bool{false, true} {
		nodes := newTestNodes(t, 2)
		nodes[0].start(t, Config{Peers: []string{blackhole(t)}, W: 1, QuorumTimeout: 100 * time.Millisecond, SyncInterval: -1})
		nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: 50 * time.Millisecond,
			Faults: faults.Set{TombstoneSkipOnSync: on}})
		id, _ := nodes[0].store(t, "deleted on a")
		eventually(t, 5*time.Second, func() string {
			if !nodes[1].activeIDs(t)[id] {
				return "b has not pulled the memory"
			}
			return ""
		})
		if _, err := nodes[0].eng.Delete(ctxT(t), id); err != nil && memory.ErrorCode(err) != memory.CodeQuorumNotMet {
			t.Fatal(err)
		}
		if !on {
			eventually(t, 5*time.Second, func() string {
				if nodes[1].activeIDs(t)[id] {
					return "sync did not carry the delete"
				}
				return ""
			})
			continue
		}
		time.Sleep(500 * time.Millisecond) // ten sync intervals
		if !nodes[1].activeIDs(t)[id] {
			t.Fatal("tombstone-skip-on-sync: the delete reached b through sync")
		}
	}
}

// A node killed while catching up pulls again whatever it had not made
// durable, except under sync-mark-before-apply: the mark moved first, so
// the rows are lost for good.
func TestFaultSyncMarkBeforeApplyLosesCatchUpOnKill(t *testing.T) {
	for _, on := range []bool{false, true} {
		nodes := newTestNodes(t, 2)
		nodes[0].start(t, Config{Peers: []string{blackhole(t)}, W: 1, QuorumTimeout: 100 * time.Millisecond, SyncInterval: -1})
		var ids []string
		for i := range 20 {
			id, _ := nodes[0].store(t, title("catch-up", i))
			ids = append(ids, id)
		}
		nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: 50 * time.Millisecond,
			Faults: faults.Set{SyncMarkBeforeApply: on}})
		eventually(t, 5*time.Second, func() string {
			if p := nodes[1].fed.Status().Peers[0]; p.HighWaterSeq == 0 || p.LagSeq != 0 {
				return fmt.Sprintf("b has not marked the feed pulled: %+v", p)
			}
			return ""
		})
		nodes[1].stop() // the kill: the store closes before a delayed apply could run
		nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: 50 * time.Millisecond})
		if !on {
			eventually(t, 5*time.Second, converged(t, nodes, ids))
			continue
		}
		time.Sleep(500 * time.Millisecond) // ten sync intervals after the restart
		if miss := missing(nodes[1].activeIDs(t), ids); len(miss) != len(ids) {
			t.Fatalf("sync-mark-before-apply: b lacks %d of %d rows after the kill; want all lost", len(miss), len(ids))
		}
	}
}

// Every acknowledged push is durable at the ack, except one in
// faults.RareAckEvery under rare-ack-before-durable, applied only later.
func TestFaultRareAckBeforeDurable(t *testing.T) {
	for _, on := range []bool{false, true} {
		nodes := newTestNodes(t, 2)
		nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: -1, Faults: faults.Set{RareAckBeforeDurable: on}})
		nodes[0].start(t, Config{Peers: []string{nodes[1].url}, W: 2, SyncInterval: -1})
		var early []string
		for i := range faults.RareAckEvery * 2 {
			id, err := nodes[0].store(t, title("rare", i))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := nodes[1].st.GetMemory(ctxT(t), id); memory.IsNotFound(err) {
				early = append(early, id)
			}
		}
		want := map[bool]int{false: 0, true: 2}[on]
		if len(early) != want {
			t.Fatalf("rare-ack-before-durable=%v: %d of %d acknowledged pushes not durable at the ack, want %d",
				on, len(early), faults.RareAckEvery*2, want)
		}
		eventually(t, faults.ApplyDelay+3*time.Second, func() string {
			if miss := missing(nodes[1].activeIDs(t), early); len(miss) > 0 {
				return fmt.Sprintf("%d early-acknowledged rows never applied", len(miss))
			}
			return ""
		})
	}
}

package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// slowPeer acknowledges every push after delay, as node id, and counts
// the pushes it received.
func slowPeer(t *testing.T, id string, delay time.Duration, pushes *atomic.Int32) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pushes.Add(1)
		time.Sleep(delay)
		json.NewEncoder(w).Encode(pushAnswer{NodeID: id})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func overlapNode(t *testing.T, w int, delay time.Duration, pushes *atomic.Int32) *Node {
	t.Helper()
	n, err := New(engine.New(nil, engine.Options{NodeID: "self"}), nil, Config{
		Peers: []string{slowPeer(t, "p1", delay, pushes), slowPeer(t, "p2", delay, pushes)}, W: w, SyncInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

var overlapBatch = &memory.Batch{Memories: []memory.Memory{{ID: "01J0000000000000000000000A", Title: "t"}}}

// With a local commit and a peer's acknowledgement that each take 300 ms,
// a W=2 write takes about 300 ms, not 600: the commit runs while the
// pushes travel.
func TestQuorumWriteOverlapsCommitAndPushes(t *testing.T) {
	const delay = 300 * time.Millisecond
	var pushes atomic.Int32
	n := overlapNode(t, 2, delay, &pushes)
	start := time.Now()
	commits := 0
	acks, err := n.Replicate(ctxT(t), overlapBatch, func(context.Context) error {
		time.Sleep(delay)
		commits++
		return nil
	})
	if took := time.Since(start); err != nil || acks < 2 || commits != 1 || took >= 2*delay-50*time.Millisecond {
		t.Fatalf("W=2 write: acks %d, %v after %v (%d commits); want success in about %v", acks, err, took, commits, delay)
	}
}

// A failed local commit fails the write with its own error and no copies
// counted, even when the peers acknowledged.
func TestQuorumWriteFailsWithItsLocalCommit(t *testing.T) {
	var pushes atomic.Int32
	n := overlapNode(t, 2, 0, &pushes)
	refused := errors.New("disk full")
	if acks, err := n.Replicate(ctxT(t), overlapBatch, func(context.Context) error { return refused }); !errors.Is(err, refused) || acks != 0 {
		t.Fatalf("failing local commit: acks %d, %v; want 0 and its error", acks, err)
	}
}

// When this node's copy is the quorum (W=1) the commit ends before any
// push starts, and a failed commit pushes nothing.
func TestQuorumOfOneCommitsBeforePushing(t *testing.T) {
	var pushes atomic.Int32
	n := overlapNode(t, 1, 0, &pushes)
	if _, err := n.Replicate(ctxT(t), overlapBatch, func(context.Context) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failed commit succeeded")
	}
	time.Sleep(100 * time.Millisecond)
	if got := pushes.Load(); got != 0 {
		t.Fatalf("%d pushes after a failed W=1 commit, want none", got)
	}
	pushedAtCommit := int32(-1)
	if acks, err := n.Replicate(ctxT(t), overlapBatch, func(context.Context) error {
		pushedAtCommit = pushes.Load()
		return nil
	}); err != nil || acks != 1 {
		t.Fatalf("W=1 write: acks %d, %v", acks, err)
	}
	if pushedAtCommit != 0 {
		t.Fatalf("%d pushes had started when the W=1 commit ran, want 0", pushedAtCommit)
	}
}

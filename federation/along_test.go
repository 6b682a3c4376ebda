package federation

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// slowPeer acknowledges every push after delay, as node id.
func slowPeer(t *testing.T, id string, delay time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		json.NewEncoder(w).Encode(pushAnswer{NodeID: id})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestReplicateAlongOverlapsCommitAndPushes: with a local commit and a
// peer's acknowledgement that each take 300 ms, a W=2 write takes about
// 300 ms, not 600; a failing local commit fails the write with its error.
func TestReplicateAlongOverlapsCommitAndPushes(t *testing.T) {
	const delay = 300 * time.Millisecond
	n, err := New(engine.New(nil, engine.Options{NodeID: "self"}), Config{
		Peers: []string{slowPeer(t, "p1", delay), slowPeer(t, "p2", delay)}, W: 2, SyncInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close(ctxT(t))
	b := &memory.Batch{Memories: []memory.Memory{{ID: "01J0000000000000000000000A", Title: "t"}}}
	start := time.Now()
	committed := false
	err = n.ReplicateAlong(ctxT(t), b, func() error {
		time.Sleep(delay)
		committed = true
		return nil
	})
	if took := time.Since(start); err != nil || !committed || took >= 2*delay-50*time.Millisecond {
		t.Fatalf("W=2 write: %v after %v (committed %v); want success in about %v", err, took, committed, delay)
	}
	refused := errors.New("disk full")
	if err := n.ReplicateAlong(ctxT(t), b, func() error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("failing local commit: %v, want its error", err)
	}
}

package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// receiver is a loopback subscriber recording what it is sent; answer
// decides the status of each request (nil: 204).
type receiver struct {
	URL    string
	mu     sync.Mutex
	events []Event
	sigs   []string
	hits   atomic.Int64
	answer func(n int64) int
}

func newReceiver(t *testing.T, answer func(n int64) int) *receiver {
	rc := &receiver{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := rc.hits.Add(1)
		status := http.StatusNoContent
		if rc.answer != nil {
			status = rc.answer(n)
		}
		if status < 300 {
			body, _ := io.ReadAll(r.Body)
			var ev Event
			if err := json.Unmarshal(body, &ev); err != nil {
				t.Errorf("body %s: %v", body, err)
			}
			rc.mu.Lock()
			rc.events = append(rc.events, ev)
			rc.sigs = append(rc.sigs, r.Header.Get(SignatureHeader))
			rc.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

func (rc *receiver) got() []Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Event(nil), rc.events...)
}

// fixedSource serves a fixed subscription list and counts lookups.
type fixedSource struct {
	subs    []engine.Subscription
	lookups atomic.Int64
}

func (s *fixedSource) Subscriptions(context.Context) ([]engine.Subscription, error) {
	s.lookups.Add(1)
	return s.subs, nil
}

func (s *fixedSource) Now() time.Time { return time.Now() }

func stored(ns string, titles ...string) *memory.Batch {
	b := &memory.Batch{Op: engine.OpStore}
	for _, t := range titles {
		b.Memories = append(b.Memories, memory.Memory{ID: memory.NewID(time.Now()), Namespace: ns, Title: t})
	}
	return b
}

func closeQueue(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Installed on a real engine, the queue delivers every stored memory to
// the subscriptions covering its namespace, signed when a secret was
// given, and nothing for other writes.
func TestStoresReachSubscribersSigned(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "hooks.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := engine.New(st, engine.Options{NodeID: "n1"})
	q := New(e, Options{})
	e.Observe(q)
	rc := newReceiver(t, nil)
	if _, err := e.Subscribe(ctx, engine.SubscribeInput{URL: rc.URL + "/signed", Namespace: "proj", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Subscribe(ctx, engine.SubscribeInput{URL: rc.URL + "/all"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Store(ctx, engine.NewMemory{Title: "Hello", Content: "world", Namespace: "proj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store(ctx, engine.NewMemory{Title: "Elsewhere", Content: "x", Namespace: "other"}); err != nil {
		t.Fatal(err)
	}
	c := "changed"
	if _, _, err := e.Update(ctx, res.Memory.ID, engine.Patch{Content: &c}); err != nil { // not a store: no event
		t.Fatal(err)
	}
	closeQueue(t, q)

	evs := rc.got()
	if len(evs) != 3 {
		t.Fatalf("%d deliveries; want 3 (proj to both subscriptions, other to the catch-all)", len(evs))
	}
	signed := 0
	for i, ev := range evs {
		if ev.Event != engine.EventStore || ev.Memory.Content == "changed" {
			t.Fatalf("delivery %+v", ev)
		}
		if rc.sigs[i] == "" {
			continue
		}
		body, _ := json.Marshal(ev)
		key := sha256.Sum256([]byte("s3cret")) // as a receiver verifies: key = hex SHA-256 of the secret
		mac := hmac.New(sha256.New, []byte(hex.EncodeToString(key[:])))
		mac.Write(body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); rc.sigs[i] != want || ev.Memory.ID != res.Memory.ID {
			t.Fatalf("signed delivery of %s with %s; want %s with %s", ev.Memory.ID, rc.sigs[i], res.Memory.ID, want)
		}
		signed++
	}
	if signed != 1 {
		t.Fatalf("%d signed deliveries; want 1", signed)
	}
}

// A subscriber that fails with 5xx is tried again after a backoff; a 4xx
// is final.
func TestFailedDeliveriesAreRetried(t *testing.T) {
	flaky := newReceiver(t, func(n int64) int {
		if n < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	refusing := newReceiver(t, func(int64) int { return http.StatusBadRequest })
	src := &fixedSource{subs: []engine.Subscription{{ID: "flaky", URL: flaky.URL}, {ID: "refusing", URL: refusing.URL}}}
	q := New(src, Options{Backoff: 10 * time.Millisecond})
	q.Committed(stored("ns", "retried"))
	closeQueue(t, q)
	if got := flaky.got(); len(got) != 1 || got[0].Memory.Title != "retried" || flaky.hits.Load() != 3 {
		t.Fatalf("flaky subscriber: %d deliveries in %d attempts; want 1 in 3", len(got), flaky.hits.Load())
	}
	if n := refusing.hits.Load(); n != 1 {
		t.Fatalf("a 400 was tried %d times; want once", n)
	}
}

// Events arriving while a delivery is under way wait in a bounded queue:
// past MaxQueued the oldest are dropped, and one subscription lookup
// covers everything that waited.
func TestQueueIsBoundedAndCoalesces(t *testing.T) {
	first, release := make(chan struct{}), make(chan struct{})
	rc := newReceiver(t, func(n int64) int {
		if n == 1 {
			close(first)
			<-release
		}
		return http.StatusNoContent
	})
	src := &fixedSource{subs: []engine.Subscription{{ID: "s", URL: rc.URL}}}
	q := New(src, Options{MaxQueued: 3})
	q.Committed(stored("ns", "m0"))
	<-first // the drainer is busy with m0
	for _, title := range []string{"m1", "m2", "m3", "m4", "m5"} {
		q.Committed(stored("ns", title))
	}
	q.Committed(&memory.Batch{Op: "update", Memories: stored("ns", "not an event").Memories})
	close(release)
	closeQueue(t, q)
	var titles []string
	for _, ev := range rc.got() {
		titles = append(titles, ev.Memory.Title)
	}
	if len(titles) != 4 || titles[0] != "m0" || titles[1] != "m3" || titles[3] != "m5" {
		t.Fatalf("delivered %v; want m0 then the newest three (m3 m4 m5)", titles)
	}
	if n := src.lookups.Load(); n != 2 {
		t.Fatalf("%d subscription lookups; want 2 (m0, then the waiting three at once)", n)
	}
}

// Close gives up at its deadline and says so; later events are ignored.
func TestCloseAbandonsAtDeadline(t *testing.T) {
	rc := newReceiver(t, func(int64) int { return http.StatusServiceUnavailable })
	q := New(&fixedSource{subs: []engine.Subscription{{ID: "s", URL: rc.URL}}}, Options{Backoff: time.Hour})
	q.Committed(stored("ns", "stuck"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); memory.ErrorCode(err) != memory.CodeUnavailable {
		t.Fatalf("Close = %v; want unavailable (abandoned)", err)
	}
	q.Committed(stored("ns", "after close"))
	if n := rc.hits.Load(); n != 1 {
		t.Fatalf("%d attempts; want 1 (the retry waits an hour, then is abandoned)", n)
	}
}

// A subscription's agent filter and events select its deliveries
// (engine.Subscription.Covers): the original's spellings of the store
// event and "*" receive stores, an unrelated event does not, and an agent
// filter passes only that agent's memories.
func TestEventsAndAgentFilterSelectDeliveries(t *testing.T) {
	rc := newReceiver(t, nil)
	src := &fixedSource{subs: []engine.Subscription{
		{ID: "ours", URL: rc.URL, Events: []string{engine.EventStore}},
		{ID: "original", URL: rc.URL, Events: []string{"memory_store"}},
		{ID: "star", URL: rc.URL, Events: []string{"*"}},
		{ID: "other", URL: rc.URL, Events: []string{"memory.delete"}},
		{ID: "planner", URL: rc.URL, Events: []string{"*"}, AgentFilter: "planner"},
	}}
	q := New(src, Options{})
	b := stored("ns", "by planner", "by coder")
	b.Memories[0].AgentID, b.Memories[1].AgentID = "planner", "coder"
	q.Committed(b)
	closeQueue(t, q)
	got := map[string][]string{}
	for _, ev := range rc.got() {
		got[ev.SubscriptionID] = append(got[ev.SubscriptionID], ev.Memory.Title)
	}
	for id, want := range map[string]int{"ours": 2, "original": 2, "star": 2, "other": 0, "planner": 1} {
		if len(got[id]) != want {
			t.Errorf("subscription %s received %v; want %d deliveries", id, got[id], want)
		}
	}
	if p := got["planner"]; len(p) == 1 && p[0] != "by planner" {
		t.Errorf("agent-filtered subscription received %v; want only the planner's memory", p)
	}
}

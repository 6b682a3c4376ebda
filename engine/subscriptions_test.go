package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// hookSink is a loopback webhook receiver that records what it is sent.
type hookSink struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
}

func newHookSink(t *testing.T) (*hookSink, string) {
	s := &hookSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, b)
		s.sigs = append(s.sigs, r.Header.Get(SignatureHeader))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func TestWebhookDeliveryIsSignedAndFiltered(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	sink, url := newHookSink(t)
	signed, err := e.Subscribe(ctx, SubscribeInput{URL: url + "/signed", Namespace: "proj", Secret: "s3cret", AgentID: "ops"})
	if err != nil || !signed.Signed {
		t.Fatalf("subscribe = %+v, %v", signed, err)
	}
	if _, err := e.Subscribe(ctx, SubscribeInput{URL: url + "/all"}); err != nil {
		t.Fatal(err)
	}
	// The stored record keeps only the hash, never the secret.
	rec, err := e.store.GetRecord(ctx, memory.KindSubscription, signed.ID)
	if err != nil || strings.Contains(string(rec.Value), "s3cret") || !strings.Contains(string(rec.Value), SecretKey("s3cret")) {
		t.Fatalf("stored subscription %s, %v; want the secret's hash only", rec.Value, err)
	}

	m := mustStore(t, e, NewMemory{Title: "Hello", Content: "world", Namespace: "proj"})
	ds, err := e.NotifySubscribers(ctx, EventStore, m)
	if err != nil || len(ds) != 2 {
		t.Fatalf("deliveries = %+v, %v; want 2", ds, err)
	}
	for _, d := range ds {
		if d.Status != http.StatusNoContent || d.Error != "" {
			t.Fatalf("delivery %+v failed", d)
		}
	}
	other := mustStore(t, e, NewMemory{Title: "Elsewhere", Content: "x", Namespace: "other"})
	if ds, _ := e.NotifySubscribers(ctx, EventStore, other); len(ds) != 1 {
		t.Fatalf("store in another namespace reached %d subscribers; want only the catch-all", len(ds))
	}

	sink.mu.Lock()
	defer sink.mu.Unlock()
	verified := 0
	for i, body := range sink.bodies {
		var ev WebhookEvent
		if err := json.Unmarshal(body, &ev); err != nil || ev.Event != EventStore {
			t.Fatalf("body %s: %v", body, err)
		}
		if sink.sigs[i] == "" {
			continue
		}
		// Verify as a receiver would: key = hex SHA-256 of the secret.
		key := sha256.Sum256([]byte("s3cret"))
		mac := hmac.New(sha256.New, []byte(hex.EncodeToString(key[:])))
		mac.Write(body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); sink.sigs[i] != want {
			t.Fatalf("signature %s; want %s", sink.sigs[i], want)
		}
		if ev.Memory.ID != m.ID {
			t.Fatalf("signed delivery carried %s; want %s", ev.Memory.ID, m.ID)
		}
		verified++
	}
	if verified != 1 || len(sink.bodies) != 3 {
		t.Fatalf("%d signed of %d deliveries; want 1 of 3", verified, len(sink.bodies))
	}
}

func TestUnsubscribeAndBadInput(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	for _, u := range []string{"ftp://x/y", "not a url", "/relative"} {
		_, err := e.Subscribe(ctx, SubscribeInput{URL: u})
		wantCode(t, err, memory.CodeInvalid)
	}
	s, err := e.Subscribe(ctx, SubscribeInput{URL: "http://127.0.0.1:1/hook"})
	if err != nil {
		t.Fatal(err)
	}
	// A refused connection is reported, not fatal.
	m := mustStore(t, e, NewMemory{Title: "t", Content: "c"})
	ds, err := e.NotifySubscribers(ctx, EventStore, m)
	if err != nil || len(ds) != 1 || ds[0].Error == "" {
		t.Fatalf("delivery to a closed port = %+v, %v; want a reported error", ds, err)
	}
	if err := e.Unsubscribe(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.Unsubscribe(ctx, s.ID), memory.CodeNotFound)
	if subs, _ := e.Subscriptions(ctx); len(subs) != 0 {
		t.Fatalf("subscriptions after unsubscribe: %+v", subs)
	}
}

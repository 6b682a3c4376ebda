package engine

import (
	"context"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestSubscribeKeepsOnlyTheSecretHash(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	signed, err := e.Subscribe(ctx, SubscribeInput{URL: "http://127.0.0.1:1/signed", Namespace: "proj", Secret: "s3cret", AgentID: "ops"})
	if err != nil || !signed.Signed || signed.Namespace != "proj" {
		t.Fatalf("subscribe = %+v, %v", signed, err)
	}
	rec, err := e.store.GetRecord(ctx, memory.KindSubscription, signed.ID)
	if err != nil || strings.Contains(string(rec.Value), "s3cret") || !strings.Contains(string(rec.Value), SecretKey("s3cret")) {
		t.Fatalf("stored subscription %s, %v; want the secret's hash only", rec.Value, err)
	}
	subs, err := e.Subscriptions(ctx)
	if err != nil || len(subs) != 1 || subs[0].SecretHash != SecretKey("s3cret") || subs[0].Events[0] != EventStore {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
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
	if err := e.Unsubscribe(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.Unsubscribe(ctx, s.ID), memory.CodeNotFound)
	if subs, _ := e.Subscriptions(ctx); len(subs) != 0 {
		t.Fatalf("subscriptions after unsubscribe: %+v", subs)
	}
}

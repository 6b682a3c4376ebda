package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Subscription is a webhook fired when a memory is stored in a namespace
// (delivered by package webhook). Only SHA-256 of the secret is kept;
// deliveries are signed with that hash as the HMAC key, so a receiver
// that knows the secret can verify them and the stored record never
// reveals the secret itself.
type Subscription struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"`
	Namespace  string    `json:"namespace,omitempty"` // "" for every namespace
	Events     []string  `json:"events"`
	AgentID    string    `json:"agent_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	SecretHash string    `json:"secret_hash,omitempty"`
}

// Public is the subscription as callers see it: whether deliveries are
// signed, never the secret's hash.
func (s Subscription) Public() PublicSubscription {
	return PublicSubscription{ID: s.ID, URL: s.URL, Namespace: s.Namespace, Events: s.Events,
		AgentID: s.AgentID, CreatedAt: s.CreatedAt, Signed: s.SecretHash != ""}
}

// PublicSubscription is a subscription as shown to callers.
type PublicSubscription struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Namespace string    `json:"namespace,omitempty"`
	Events    []string  `json:"events"`
	AgentID   string    `json:"agent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Signed    bool      `json:"signed"`
}

// SubscribeInput creates a subscription.
type SubscribeInput struct {
	URL       string
	Namespace string
	Secret    string
	AgentID   string
}

// EventStore is the one event a subscription receives: a memory stored by
// a client (a store, a bulk store, the approval of a queued store).
const EventStore = "memory.store"

// Subscribe registers a webhook.
func (e *Engine) Subscribe(ctx context.Context, in SubscribeInput) (PublicSubscription, error) {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return PublicSubscription{}, memory.Errorf(memory.CodeInvalid, "url %q: want an absolute http:// or https:// URL", in.URL)
	}
	if len(in.URL) > 2048 {
		return PublicSubscription{}, memory.Errorf(memory.CodeInvalid, "url longer than 2048 characters")
	}
	if in.Namespace != "" {
		if err := memory.ValidateNamespace(in.Namespace); err != nil {
			return PublicSubscription{}, err
		}
	}
	if len(in.Secret) > 256 {
		return PublicSubscription{}, memory.Errorf(memory.CodeInvalid, "secret longer than 256 bytes")
	}
	s := Subscription{ID: memory.NewID(e.Now()), URL: in.URL, Namespace: in.Namespace, Events: []string{EventStore},
		AgentID: in.AgentID, CreatedAt: e.Now()}
	if in.Secret != "" {
		s.SecretHash = SecretKey(in.Secret)
	}
	_, err = e.putRecord(ctx, "subscribe", memory.KindSubscription, s.ID, s)
	return s.Public(), err
}

// Unsubscribe removes a subscription.
func (e *Engine) Unsubscribe(ctx context.Context, id string) error {
	return e.deleteRecord(ctx, "unsubscribe", memory.KindSubscription, id,
		"subscription %q not found; list them with list_subscriptions", id)
}

// Subscriptions lists every live subscription.
func (e *Engine) Subscriptions(ctx context.Context) ([]Subscription, error) {
	recs, err := e.store.ListRecords(ctx, memory.KindSubscription, "")
	if err != nil {
		return nil, err
	}
	out := []Subscription{}
	for _, r := range recs {
		var s Subscription
		if decodeRecord(r, &s) == nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// SecretKey is the key deliveries are signed with (see package webhook):
// the hex SHA-256 of the subscription secret, which is also all the
// record keeps of it.
func SecretKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

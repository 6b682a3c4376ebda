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
	ID        string `json:"id"`
	URL       string `json:"url"`
	Namespace string `json:"namespace,omitempty"` // "" for every namespace
	// Events names the events delivered; "*" is every event.
	Events []string `json:"events"`
	// AgentID is who subscribed.
	AgentID string `json:"agent_id,omitempty"`
	// AgentFilter, when set, limits deliveries to memories written by
	// that agent.
	AgentFilter string    `json:"agent_filter,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	SecretHash  string    `json:"secret_hash,omitempty"`
	// Imported holds the fields of an imported subscription that have no
	// equivalent here (the original's dispatch counters), verbatim.
	Imported map[string]any `json:"imported,omitempty"`
}

// Public is the subscription as callers see it: whether deliveries are
// signed, never the secret's hash.
func (s Subscription) Public() PublicSubscription {
	return PublicSubscription{ID: s.ID, URL: s.URL, Namespace: s.Namespace, Events: s.Events,
		AgentID: s.AgentID, AgentFilter: s.AgentFilter, CreatedAt: s.CreatedAt, Signed: s.SecretHash != ""}
}

// PublicSubscription is a subscription as shown to callers.
type PublicSubscription struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Namespace   string    `json:"namespace,omitempty"`
	Events      []string  `json:"events"`
	AgentID     string    `json:"agent_id,omitempty"`
	AgentFilter string    `json:"agent_filter,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Signed      bool      `json:"signed"`
}

// SubscribeInput creates a subscription.
type SubscribeInput struct {
	URL       string
	Namespace string
	Secret    string
	AgentID   string
	// Events to deliver; empty means the store event.
	Events []string
	// AgentFilter limits deliveries to memories written by that agent.
	AgentFilter string
}

// EventStore is the one event a subscription receives: a memory stored by
// a client (a store, a bulk store, the approval of a queued store).
const EventStore = "memory.store"

// storeEventNames are the event names that select store deliveries: ours,
// the original's spelling, and "*" for every event.
var storeEventNames = map[string]bool{"*": true, EventStore: true, "memory_store": true, "store": true}

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
	events := memory.NormalizeTags(in.Events)
	if len(events) == 0 {
		events = []string{EventStore}
	}
	if len(events) > memory.MaxTags {
		return PublicSubscription{}, memory.Errorf(memory.CodeInvalid, "%d events; the limit is %d", len(events), memory.MaxTags)
	}
	if in.AgentFilter != "" {
		if err := memory.ValidateToken("agent_filter", in.AgentFilter, memory.MaxAgentIDLen); err != nil {
			return PublicSubscription{}, err
		}
	}
	s := Subscription{ID: memory.NewID(e.Now()), URL: in.URL, Namespace: in.Namespace, Events: events,
		AgentID: in.AgentID, AgentFilter: in.AgentFilter, CreatedAt: e.Now()}
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

// Covers reports whether s wants event for m: its namespace and agent
// filters match and one of its events names it. A subscription naming no
// events wants the store event, as Subscribe does without events.
func (s Subscription) Covers(event string, m *memory.Memory) bool {
	if s.Namespace != "" && s.Namespace != m.Namespace || s.AgentFilter != "" && s.AgentFilter != m.AgentID {
		return false
	}
	if len(s.Events) == 0 {
		return event == EventStore
	}
	for _, ev := range s.Events {
		if ev == event || event == EventStore && storeEventNames[ev] {
			return true
		}
	}
	return false
}

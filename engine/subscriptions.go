package engine

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// SignatureHeader carries the HMAC-SHA256 of a webhook body.
const SignatureHeader = "X-Ai-Memory-Signature"

// Subscription is a webhook fired when a memory is stored in a namespace.
// Only SHA-256 of the secret is kept; deliveries are signed with that hash
// as the HMAC key, so a receiver that knows the secret can verify them and
// the stored record never reveals the secret itself.
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

// EventStore is the only event fired today.
const EventStore = "memory.store"

// SubscribeInput creates a subscription.
type SubscribeInput struct {
	URL       string
	Namespace string
	Secret    string
	AgentID   string
}

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

// SecretKey is the HMAC key derived from a subscription secret: the hex
// SHA-256 of the secret, which is also what the record stores.
func SecretKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Sign returns the signature header value for body under key.
func Sign(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookEvent is the body POSTed to a subscriber.
type WebhookEvent struct {
	Event          string        `json:"event"`
	SubscriptionID string        `json:"subscription_id"`
	Memory         memory.Memory `json:"memory"`
	SentAt         time.Time     `json:"sent_at"`
}

// Delivery is the outcome of one webhook POST.
type Delivery struct {
	SubscriptionID string `json:"subscription_id"`
	URL            string `json:"url"`
	Status         int    `json:"status,omitempty"`
	Error          string `json:"error,omitempty"`
}

// webhookClient never follows redirects: a subscriber cannot bounce a
// signed delivery to another host.
var webhookClient = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// NotifySubscribers POSTs a store event for m to every subscription that
// covers its namespace and waits for the answers. Callers that must not
// wait run it in a goroutine; a failed delivery is reported, not retried.
func (e *Engine) NotifySubscribers(ctx context.Context, event string, m memory.Memory) ([]Delivery, error) {
	subs, err := e.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	for _, s := range subs {
		if s.Namespace != "" && s.Namespace != m.Namespace {
			continue
		}
		out = append(out, deliver(ctx, s, WebhookEvent{Event: event, SubscriptionID: s.ID, Memory: m, SentAt: e.Now()}))
	}
	return out, nil
}

func deliver(ctx context.Context, s Subscription, ev WebhookEvent) Delivery {
	d := Delivery{SubscriptionID: s.ID, URL: s.URL}
	body, err := json.Marshal(ev)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ai-memory-webhook")
	if s.SecretHash != "" {
		req.Header.Set(SignatureHeader, Sign(s.SecretHash, body))
	}
	resp, err := webhookClient.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

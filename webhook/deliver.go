package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// SignatureHeader carries the HMAC-SHA256 of a delivery's body, keyed with
// the subscription's secret key (engine.SecretKey of its secret).
const SignatureHeader = "X-Ai-Memory-Signature"

// Event is the body POSTed to a subscriber.
type Event struct {
	Event          string        `json:"event"`
	SubscriptionID string        `json:"subscription_id"`
	Memory         memory.Memory `json:"memory"`
	SentAt         time.Time     `json:"sent_at"`
}

// Sign returns the signature header value of body under key.
func Sign(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// newClient never follows redirects: a subscriber cannot bounce a signed
// delivery to another host.
func newClient() *http.Client {
	return &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// outcome is the result of one POST: whether it reached the subscriber
// with a 2xx, and whether a failure is worth another attempt (no answer,
// 429, 5xx).
type outcome struct {
	status    int
	err       error
	retryable bool
}

func (o outcome) ok() bool { return o.err == nil && o.status >= 200 && o.status < 300 }

// post sends ev to s once.
func post(ctx context.Context, client *http.Client, s engine.Subscription, ev Event) outcome {
	body, err := json.Marshal(ev)
	if err != nil {
		return outcome{err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ai-memory-webhook")
	if s.SecretHash != "" {
		req.Header.Set(SignatureHeader, Sign(s.SecretHash, body))
	}
	resp, err := client.Do(req)
	if err != nil {
		return outcome{err: err, retryable: true}
	}
	resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	if !o.ok() {
		o.err = fmt.Errorf("subscriber answered %d", resp.StatusCode)
		o.retryable = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	}
	return o
}

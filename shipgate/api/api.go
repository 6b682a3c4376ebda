// Package api is the harness's client for the ai-memory HTTP API. It pages
// every listing to the end (never trusting one page) and classifies write
// outcomes the way a history needs them: ok, definitely failed, or unknown.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// Client talks to one node.
type Client struct {
	Base string
	HTTP *http.Client
}

// NewTransport is a transport sized for many concurrent requests to a few
// loopback hosts.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
}

// New returns a client for base (e.g. http://127.0.0.1:9077) with a
// per-request timeout, sharing transport t (nil: a new one).
func New(base string, timeout time.Duration, t http.RoundTripper) *Client {
	if t == nil {
		t = NewTransport()
	}
	return &Client{Base: base, HTTP: &http.Client{Timeout: timeout, Transport: t}}
}

// Health is GET /api/v1/health; nil when the node answers 200.
func (c *Client) Health(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", c.Base+"/api/v1/health", nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("health: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Memory is the write body of POST /api/v1/memories.
type Memory struct {
	Title      string         `json:"title"`
	Content    string         `json:"content"`
	Tier       string         `json:"tier"`
	Namespace  string         `json:"namespace"`
	Tags       []string       `json:"tags"`
	Priority   int            `json:"priority"`
	Confidence float64        `json:"confidence"`
	Source     string         `json:"source"`
	Metadata   map[string]any `json:"metadata"`
}

// Outcome of a write, in history terms.
const (
	OK      = "ok"      // 201: acknowledged
	Fail    = "fail"    // definitely not done (refused connection, 4xx)
	Unknown = "unknown" // may or may not be done (timeout, reset, 5xx)
)

// WriteResult is what one POST produced.
type WriteResult struct {
	Outcome    string
	Status     int    // HTTP status, 0 when there was no response
	ID         string // memory id on 201
	Code       string // error code from the body
	QuorumAcks int
	Err        string
}

// Create POSTs a memory as agent and classifies the result. A 503
// quorum_not_met is unknown: the coordinator kept its local copy, which
// anti-entropy may spread later.
func (c *Client) Create(ctx context.Context, agent string, m Memory) WriteResult {
	body, _ := json.Marshal(m)
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/v1/memories", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if agent != "" {
		req.Header.Set("X-Agent-Id", agent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if refused(err) {
			return WriteResult{Outcome: Fail, Err: err.Error()}
		}
		return WriteResult{Outcome: Unknown, Err: err.Error()}
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	r := WriteResult{Status: resp.StatusCode}
	var v struct {
		ID         string `json:"id"`
		QuorumAcks int    `json:"quorum_acks"`
		Error      struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(b, &v)
	r.Code, r.QuorumAcks = v.Error.Code, v.QuorumAcks
	switch {
	case resp.StatusCode == 201 && rerr == nil && v.ID != "":
		r.Outcome, r.ID = OK, v.ID
	case resp.StatusCode == 201:
		r.Outcome, r.Err = Unknown, fmt.Sprintf("201 without an id: %.200s", b)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		r.Outcome, r.Err = Fail, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
	default:
		r.Outcome, r.Err = Unknown, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return r
}

// refused reports a dial failure: the request never reached a server.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED)
}

// page is one response of GET /api/v1/memories.
type page struct {
	Memories   []json.RawMessage `json:"memories"`
	Count      int               `json:"count"`
	HasMore    bool              `json:"has_more"`
	NextCursor string            `json:"next_cursor"`
}

// Listing is every memory of a namespace, read page by page.
type Listing struct {
	Memories []json.RawMessage
	Pages    int
}

// maxPages bounds a listing so a server whose cursor never ends cannot
// hang the harness.
const maxPages = 10000

// List pages GET /api/v1/memories?namespace=ns&limit=1000 until has_more is
// false. A page that claims more but repeats its cursor is an error.
func (c *Client) List(ctx context.Context, ns string) (*Listing, error) {
	out := &Listing{}
	cursor := ""
	for out.Pages < maxPages {
		q := url.Values{"namespace": {ns}, "limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p page
		if err := c.getJSON(ctx, "/api/v1/memories?"+q.Encode(), &p); err != nil {
			return out, err
		}
		out.Pages++
		out.Memories = append(out.Memories, p.Memories...)
		if !p.HasMore {
			return out, nil
		}
		if p.NextCursor == "" || p.NextCursor == cursor {
			return out, fmt.Errorf("list %s: has_more with cursor %q that does not advance", ns, p.NextCursor)
		}
		cursor = p.NextCursor
	}
	return out, fmt.Errorf("list %s: more than %d pages", ns, maxPages)
}

// ListIDs returns the ids of every memory in ns, in listing order.
func (c *Client) ListIDs(ctx context.Context, ns string) ([]string, error) {
	l, err := c.List(ctx, ns)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(l.Memories))
	for _, m := range l.Memories {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m, &v); err != nil || v.ID == "" {
			return ids, fmt.Errorf("list %s: memory without id: %.200s", ns, m)
		}
		ids = append(ids, v.ID)
	}
	return ids, nil
}

// Exists is GET /api/v1/memories/{id}: true on 200, false on 404.
func (c *Client) Exists(ctx context.Context, id string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", c.Base+"/api/v1/memories/"+url.PathEscape(id), nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return false, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case 200:
		return true, nil
	case 404:
		return false, nil
	}
	return false, fmt.Errorf("get %s: HTTP %d", id, resp.StatusCode)
}

// Link is POST /api/v1/links.
func (c *Client) Link(ctx context.Context, src, dst, relation string) error {
	body, _ := json.Marshal(map[string]string{"source_id": src, "target_id": dst, "relation": relation})
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/v1/links", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("link %s->%s: HTTP %d: %.200s", src, dst, resp.StatusCode, b)
	}
	return nil
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// Bulk is POST /api/v1/memories/bulk; it returns the ids in input order.
func (c *Client) Bulk(ctx context.Context, agent string, ms []Memory) ([]string, error) {
	body, _ := json.Marshal(map[string]any{"memories": ms})
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/v1/memories/bulk", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if agent != "" {
		req.Header.Set("X-Agent-Id", agent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		return nil, fmt.Errorf("bulk: HTTP %d: %.200s", resp.StatusCode, b)
	}
	var v struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.IDs) != len(ms) {
		return nil, fmt.Errorf("bulk: %d ids for %d memories: %.200s", len(v.IDs), len(ms), b)
	}
	return v.IDs, nil
}

// Consolidate is POST /api/v1/consolidate; it returns the new memory's id
// and the HTTP status.
func (c *Client) Consolidate(ctx context.Context, agent, ns, title string, ids []string) (string, int, error) {
	body, _ := json.Marshal(map[string]any{"ids": ids, "title": title, "namespace": ns})
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/v1/consolidate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if agent != "" {
		req.Header.Set("X-Agent-Id", agent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v struct {
		Memory struct {
			ID string `json:"id"`
		} `json:"memory"`
	}
	json.Unmarshal(b, &v)
	if resp.StatusCode != 201 || v.Memory.ID == "" {
		return "", resp.StatusCode, fmt.Errorf("consolidate: HTTP %d: %.200s", resp.StatusCode, b)
	}
	return v.Memory.ID, resp.StatusCode, nil
}

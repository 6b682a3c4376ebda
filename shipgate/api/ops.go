package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// Result is one operation of the chaos workload as a history needs it: the
// outcome, and what the server said it wrote or what it read.
type Result struct {
	Outcome string
	Status  int
	ID      string
	Value   string
	Version int64
	Items   []history.Item
	Code    string
	Err     string
}

// wire is the part of a memory the workload reads back.
type wire struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Content string `json:"content"`
	Version string `json:"version"`
}

func (w wire) item() history.Item {
	v, _ := strconv.ParseInt(w.Version, 10, 64)
	return history.Item{ID: w.ID, Key: w.Title, Value: w.Content, Version: v}
}

// Put POSTs a memory by title (create or upsert).
func (c *Client) Put(ctx context.Context, agent string, m Memory) Result {
	r, b := c.call(ctx, "POST", "/api/v1/memories", agent, m, 201)
	if r.Outcome == OK {
		var w wire
		if json.Unmarshal(b, &w) != nil || w.ID == "" {
			return Result{Outcome: Unknown, Status: r.Status, Err: fmt.Sprintf("201 without a memory: %.200s", b)}
		}
		it := w.item()
		r.ID, r.Version = it.ID, it.Version
	}
	return r
}

// Update PUTs new content for id.
func (c *Client) Update(ctx context.Context, agent, id, content string) Result {
	r, b := c.call(ctx, "PUT", "/api/v1/memories/"+url.PathEscape(id), agent, map[string]string{"content": content}, 200)
	if r.Outcome == OK {
		var w wire
		if json.Unmarshal(b, &w) != nil || w.ID != id {
			return Result{Outcome: Unknown, Status: r.Status, Err: fmt.Sprintf("200 without the memory: %.200s", b)}
		}
		r.ID, r.Version = id, w.item().Version
	}
	return r
}

// Delete removes id.
func (c *Client) Delete(ctx context.Context, agent, id string) Result {
	r, _ := c.call(ctx, "DELETE", "/api/v1/memories/"+url.PathEscape(id), agent, nil, 200)
	r.ID = id
	return r
}

// LinkTo links src to dst (related_to).
func (c *Client) LinkTo(ctx context.Context, agent, src, dst string) Result {
	body := map[string]string{"source_id": src, "target_id": dst, "relation": "related_to"}
	r, _ := c.call(ctx, "POST", "/api/v1/links", agent, body, 201)
	r.ID = src
	return r
}

// Get reads id. An absent id is a definite answer: Fail with status 404.
func (c *Client) Get(ctx context.Context, id string) Result {
	r, b := c.call(ctx, "GET", "/api/v1/memories/"+url.PathEscape(id), "", nil, 200)
	if r.Outcome == OK {
		var v struct {
			Memory wire `json:"memory"`
		}
		if json.Unmarshal(b, &v) != nil || v.Memory.ID != id {
			return Result{Outcome: Unknown, Status: r.Status, Err: fmt.Sprintf("200 without the memory: %.200s", b)}
		}
		it := v.Memory.item()
		r.ID, r.Value, r.Version = id, it.Value, it.Version
	}
	return r
}

// Items reads every memory of ns, page by page.
func (c *Client) Items(ctx context.Context, ns string) Result {
	l, err := c.List(ctx, ns)
	if err != nil {
		return Result{Outcome: Unknown, Err: err.Error()}
	}
	r := Result{Outcome: OK, Status: 200, Items: make([]history.Item, 0, len(l.Memories))}
	for _, raw := range l.Memories {
		var w wire
		if err := json.Unmarshal(raw, &w); err != nil || w.ID == "" {
			return Result{Outcome: Unknown, Status: 200, Err: fmt.Sprintf("list row without id: %.200s", raw)}
		}
		r.Items = append(r.Items, w.item())
	}
	return r
}

// Links returns the ids id links to (outgoing links only).
func (c *Client) Links(ctx context.Context, id string) ([]string, error) {
	var v struct {
		Links []struct {
			SourceID string `json:"source_id"`
			TargetID string `json:"target_id"`
		} `json:"links"`
	}
	if err := c.getJSON(ctx, "/api/v1/links/"+url.PathEscape(id), &v); err != nil {
		return nil, err
	}
	var out []string
	for _, l := range v.Links {
		if l.SourceID == id {
			out = append(out, l.TargetID)
		}
	}
	return out, nil
}

// call sends one request and classifies its outcome: ok on the expected
// status; fail when it never reached a server, on 4xx and on 507 (the
// server refused before committing anything); unknown otherwise.
func (c *Client) call(ctx context.Context, method, path, agent string, in any, okStatus int) (Result, []byte) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if agent != "" {
		req.Header.Set("X-Agent-Id", agent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if refused(err) {
			return Result{Outcome: Fail, Err: err.Error()}, nil
		}
		return Result{Outcome: Unknown, Err: err.Error()}, nil
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	r := Result{Status: resp.StatusCode}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(b, &e)
	r.Code = e.Error.Code
	switch {
	case resp.StatusCode == okStatus && rerr == nil:
		r.Outcome = OK
	case resp.StatusCode == okStatus:
		r.Outcome, r.Err = Unknown, "body cut: "+rerr.Error()
	case resp.StatusCode >= 400 && resp.StatusCode < 500, resp.StatusCode == http.StatusInsufficientStorage:
		r.Outcome, r.Err = Fail, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
	default:
		r.Outcome, r.Err = Unknown, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return r, b
}

// SetClockOffset moves the node's version clock by offset at run time
// (POST /api/v1/fault/clock; the node must run with --unsafe-fault-injection).
func (c *Client) SetClockOffset(ctx context.Context, offset time.Duration) error {
	r, b := c.call(ctx, "POST", "/api/v1/fault/clock", "", map[string]string{"offset": offset.String()}, 200)
	if r.Outcome != OK {
		return fmt.Errorf("set clock offset %s: %s %.200s", offset, r.Err, b)
	}
	return nil
}

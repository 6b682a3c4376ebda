package federation

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Paths of the peer endpoints.
const (
	PathPush   = "/api/v1/sync/push"
	PathSince  = "/api/v1/sync/since"
	PathStatus = "/api/v1/sync/status"
)

// headerNodeID names the calling node on peer requests, for the peer's logs.
const headerNodeID = "X-Node-Id"

// pushAnswer is the body of a successful push.
type pushAnswer struct {
	NodeID  string             `json:"node_id"`
	Applied memory.ApplyResult `json:"applied"`
}

// sinceAnswer is a page of a peer's change feed.
type sinceAnswer struct {
	memory.ChangeSet
	NodeID string `json:"node_id"`
	// HeadSeq is the answering node's newest sequence, for lag reports.
	HeadSeq int64 `json:"head_seq"`
}

// peer is the client side of one other node, with what this node knows
// about it for /sync/status.
type peer struct {
	url    string
	client *http.Client
	self   string
	apiKey string
	stat   peerStats
}

// newHTTPClient shares connections across all peers; many idle
// connections per host keep concurrent pushes from redialling.
func newHTTPClient(tlsCfg *tls.Config) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // peers are addressed directly, never via HTTP_PROXY
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false, // one request per connection keeps a stalled push from blocking the rest
	}
	return &http.Client{Transport: tr}
}

func newPeer(raw string, client *http.Client, self, apiKey string) (*peer, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "peer %q: want http(s)://host:port", raw)
	}
	base := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
	return &peer{url: base, client: client, self: self, apiKey: apiKey}, nil
}

// peerError is a failed call; permanent errors (4xx) are not retried.
type peerError struct {
	status int
	msg    string
}

func (e *peerError) Error() string {
	if e.status == 0 {
		return e.msg
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.msg)
}

func (e *peerError) permanent() bool { return e.status >= 400 && e.status < 500 }

// do sends one request and decodes a 200 answer into out.
func (p *peer) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.url+path, rd)
	if err != nil {
		return &peerError{msg: err.Error()}
	}
	req.Header.Set(headerNodeID, p.self)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.apiKey != "" {
		req.Header.Set("X-API-Key", p.apiKey)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return &peerError{msg: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &peerError{status: resp.StatusCode, msg: strings.TrimSpace(string(msg))}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &peerError{msg: "undecodable answer: " + err.Error()}
	}
	return nil
}

// push sends the chunks of one batch and returns the node id that
// acknowledged them all. A peer answering with this node's own id is an
// error: a node listed as its own peer would otherwise count itself twice.
func (p *peer) push(ctx context.Context, chunks [][]byte) (string, error) {
	node := ""
	for _, c := range chunks {
		var a pushAnswer
		if err := p.do(ctx, http.MethodPost, PathPush, c, &a); err != nil {
			return "", err
		}
		switch {
		case a.NodeID == "":
			return "", &peerError{msg: "push answer names no node"}
		case a.NodeID == p.self:
			return "", &peerError{status: http.StatusConflict, msg: "peer " + p.url + " is this node itself"}
		case node != "" && a.NodeID != node:
			return "", &peerError{msg: "peer changed identity within one push"}
		}
		node = a.NodeID
	}
	return node, nil
}

// since reads one page of the peer's change feed.
func (p *peer) since(ctx context.Context, seq int64, limit int) (sinceAnswer, error) {
	var a sinceAnswer
	q := "?seq=" + strconv.FormatInt(seq, 10) + "&limit=" + strconv.Itoa(limit)
	err := p.do(ctx, http.MethodGet, PathSince+q, nil, &a)
	if err == nil && a.NodeID == "" {
		err = &peerError{msg: "change feed names no node"}
	}
	if err == nil && a.NodeID == p.self {
		err = &peerError{status: http.StatusConflict, msg: "peer " + p.url + " is this node itself"}
	}
	return a, err
}

// peerStats is what /sync/status reports for one peer.
type peerStats struct {
	mu         sync.Mutex
	nodeID     string
	hwm        int64 // last sequence of the peer's feed applied here
	headSeq    int64 // peer's newest sequence known here
	caughtUp   time.Time
	lastOK     time.Time
	lastErr    string
	lastErrAt  time.Time
	pulled     int64
	pending    int64 // pushes to this peer in flight
	pushOK     int64
	pushFailed int64
	// pushFailing is whether the last push failed (logs transitions).
	pushFailing bool
}

package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

// Route is one endpoint of a node, for the caller to mount on its HTTP
// server under Pattern (ServeMux syntax). Peer routes are for other nodes
// only: mount them behind PeerAuth. The others are for operators, behind
// the API key like every other route.
type Route struct {
	Pattern string
	Handler http.Handler
	Peer    bool
}

// Routes are the node's endpoints: push and since for peers, status for
// operators.
func (n *Node) Routes() []Route {
	return []Route{
		{Pattern: "POST " + PathPush, Handler: http.HandlerFunc(n.handlePush), Peer: true},
		{Pattern: "GET " + PathSince, Handler: http.HandlerFunc(n.handleSince), Peer: true},
		{Pattern: "GET " + PathStatus, Handler: http.HandlerFunc(n.handleStatus)},
	}
}

// PeerAuth is the guard of the peer routes: with RequirePeerCert only
// callers with a verified client certificate get through, otherwise
// apiKey (the server's API-key check) guards them.
func (n *Node) PeerAuth(apiKey func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	if n.cfg.RequirePeerCert {
		return requireClientCert
	}
	return apiKey
}

// handlePush applies a pushed batch and acknowledges it with this node's
// id once it is durable. The apply does not follow the request's
// cancellation: a coordinator that gave up waiting still wants the copy.
func (n *Node) handlePush(w http.ResponseWriter, r *http.Request) {
	var b memory.Batch
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&b); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httperror.Write(w, memory.Errorf(memory.CodeTooLarge, "push exceeds %d bytes; split the batch", tooBig.Limit))
			return
		}
		httperror.Write(w, memory.Errorf(memory.CodeInvalid, "push body is not a batch: %v", err))
		return
	}
	if len(b.Memories)+len(b.Links)+len(b.Records) > memory.MaxBatchItems*10 {
		httperror.Write(w, memory.Errorf(memory.CodeTooLarge, "push holds more than %d rows", memory.MaxBatchItems*10))
		return
	}
	res, err := n.recv.push(context.Background(), &b)
	if err != nil {
		n.log.Warn("push from peer refused", "peer", r.Header.Get(headerNodeID), "op", b.Op, "err", err)
		httperror.Write(w, err)
		return
	}
	writeJSON(w, http.StatusOK, pushAnswer{NodeID: n.eng.NodeID(), Applied: res})
}

// handleSince serves a page of this node's change feed:
// GET /api/v1/sync/since?seq=N&limit=L, rows applied after local sequence
// N in sequence order, and head_seq, the newest sequence this node holds.
// It carries every row this node holds, written here or received from
// anyone, which is what lets survivors converge without the node that
// wrote a row.
func (n *Node) handleSince(w http.ResponseWriter, r *http.Request) {
	seq, err := queryInt(r, "seq", 0, 0, 1<<62)
	if err != nil {
		httperror.Write(w, err)
		return
	}
	limit, err := queryInt(r, "limit", DefaultPageSize, 1, MaxPageSize)
	if err != nil {
		httperror.Write(w, err)
		return
	}
	cs, err := n.st.Changes(r.Context(), seq, int(limit))
	if err != nil {
		n.fail(w, err)
		return
	}
	head := cs.NextSeq
	if cs.More {
		if head, err = n.st.HeadSeq(r.Context()); err != nil {
			n.fail(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, sinceAnswer{ChangeSet: cs, NodeID: n.eng.NodeID(), HeadSeq: head})
}

// fail logs a store error before answering it: a client learns nothing
// of an internal one.
func (n *Node) fail(w http.ResponseWriter, err error) {
	n.log.Warn("change feed read failed", "err", err)
	httperror.Write(w, err)
}

func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, memory.Errorf(memory.CodeInvalid, "%s=%q: want an integer in %d..%d", name, s, lo, hi)
	}
	return v, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

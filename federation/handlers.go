package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httpapi"
)

// Mount adds the sync endpoints to srv. Push and since are for peers:
// with RequirePeerCert only callers with a verified client certificate get
// through, otherwise the API key guards them. Status is for operators and
// always sits behind the API key.
func (n *Node) Mount(srv *httpapi.Server) {
	peerOnly := srv.RequireAPIKey
	if n.cfg.RequirePeerCert {
		peerOnly = requireClientCert
	}
	srv.HandleUnauthenticated("POST "+PathPush, peerOnly(http.HandlerFunc(n.handlePush)))
	srv.HandleUnauthenticated("GET "+PathSince, peerOnly(http.HandlerFunc(n.handleSince)))
	srv.Handle("GET "+PathStatus, http.HandlerFunc(n.handleStatus))
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
			httpapi.WriteError(w, memory.Errorf(memory.CodeTooLarge, "push exceeds %d bytes; split the batch", tooBig.Limit))
			return
		}
		httpapi.WriteError(w, memory.Errorf(memory.CodeInvalid, "push body is not a batch: %v", err))
		return
	}
	if len(b.Memories)+len(b.Links)+len(b.Records) > memory.MaxBatchItems*10 {
		httpapi.WriteError(w, memory.Errorf(memory.CodeTooLarge, "push holds more than %d rows", memory.MaxBatchItems*10))
		return
	}
	res, err := n.recv.push(context.Background(), &b)
	if err != nil {
		n.log.Warn("push from peer refused", "peer", r.Header.Get(headerNodeID), "op", b.Op, "err", err)
		httpapi.WriteError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, pushAnswer{NodeID: n.eng.NodeID(), Applied: res})
}

// handleSince serves a page of this node's change feed:
// GET /api/v1/sync/since?seq=N&limit=L, rows applied after local sequence
// N in sequence order. It carries every row this node holds, written here
// or received from anyone, which is what lets survivors converge without
// the node that wrote a row.
func (n *Node) handleSince(w http.ResponseWriter, r *http.Request) {
	seq, err := queryInt(r, "seq", 0, 0, 1<<62)
	if err != nil {
		httpapi.WriteError(w, err)
		return
	}
	limit, err := queryInt(r, "limit", DefaultPageSize, 1, MaxPageSize)
	if err != nil {
		httpapi.WriteError(w, err)
		return
	}
	cs, err := n.eng.Backend().Changes(r.Context(), seq, int(limit))
	if err != nil {
		httpapi.WriteError(w, err)
		return
	}
	head := cs.NextSeq
	if cs.More {
		if head, err = n.eng.Backend().HeadSeq(r.Context()); err != nil {
			httpapi.WriteError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, sinceAnswer{ChangeSet: cs, NodeID: n.eng.NodeID(), HeadSeq: head})
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

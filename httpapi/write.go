package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	memory "github.com/aimemory/ai-memory"
)

type ackKey struct{}

// ReportQuorumAcks lets a replicator tell the handler serving this write
// how many nodes (itself included) hold it; the 201 answer then carries
// "quorum_acks". It is a no-op on contexts that did not come from a write
// handler (CLI, MCP, sync).
func ReportQuorumAcks(ctx context.Context, acks int) {
	if p, ok := ctx.Value(ackKey{}).(*atomic.Int64); ok {
		p.Store(int64(acks))
	}
}

// storedMemory is a written memory as answered: the flat memory object,
// plus quorum_acks when federation reported them.
type storedMemory struct {
	*memory.Memory
	QuorumAcks int64 `json:"quorum_acks,omitempty"`
}

func memoryBody(m *memory.Memory) func(int64) any {
	return func(acks int64) any { return storedMemory{Memory: m, QuorumAcks: acks} }
}

// withAcks prepares r's context to collect ReportQuorumAcks.
func withAcks(r *http.Request) (context.Context, *atomic.Int64) {
	p := new(atomic.Int64)
	return context.WithValue(r.Context(), ackKey{}, p), p
}

// writeStored answers a write whose local copy is durable. A
// quorum_not_met error still answers 503 (the client must not count the
// write as replicated) but names the id that was kept locally, which sync
// will carry to the peers.
func (s *Server) writeStored(w http.ResponseWriter, r *http.Request, status int, id string, acks *atomic.Int64, err error, body func(acks int64) any) {
	if err != nil {
		var me *memory.Error
		if errors.As(err, &me) && me.Code == memory.CodeQuorumNotMet && id != "" {
			details := map[string]any{"id": id}
			for k, v := range me.Details {
				details[k] = v
			}
			err = &memory.Error{Code: me.Code, Message: me.Message, Details: details, Cause: me.Cause}
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, body(acks.Load()))
}

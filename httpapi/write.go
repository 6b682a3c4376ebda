package httpapi

import (
	"errors"
	"net/http"

	memory "github.com/aimemory/ai-memory"
)

// storedMemory is a written memory as answered: the flat memory object,
// plus quorum_acks, the nodes holding it, when federation counted them.
type storedMemory struct {
	*memory.Memory
	QuorumAcks int `json:"quorum_acks,omitempty"`
}

// writeStored answers a write whose local copy is durable with status and
// body. A quorum_not_met error still answers 503 (the client must not
// count the write as replicated) but names the id that was kept locally,
// which sync will carry to the peers.
func (s *Server) writeStored(w http.ResponseWriter, r *http.Request, status int, id string, err error, body any) {
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
	writeJSON(w, status, body)
}

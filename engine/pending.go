package engine

import (
	"context"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Pending action states.
const (
	PendingStatus  = "pending"
	ApprovedStatus = "approved"
	RejectedStatus = "rejected"
)

// Pending is a write held for approval because a standard on its namespace
// (or an ancestor, or "*") requires it. It is a replicated record, so any
// node can list and decide it.
type Pending struct {
	ID          string     `json:"id"`
	Action      string     `json:"action"` // ActionStore, ActionDelete or ActionPromote
	Namespace   string     `json:"namespace"`
	Memory      NewMemory  `json:"memory"` // what a store writes
	RequestedBy string     `json:"requested_by,omitempty"`
	RequestedAt time.Time  `json:"requested_at"`
	Status      string     `json:"status"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	// MemoryID is the memory a delete or promote acts on, and the memory
	// an approved store wrote.
	MemoryID string `json:"memory_id,omitempty"`
	// Imported holds the fields of an imported pending action that have no
	// equivalent here (the original's payload, approvals, timeouts),
	// verbatim.
	Imported map[string]any `json:"imported,omitempty"`
}

// Pending actions: the write a decision applies.
const (
	ActionStore   = "store"
	ActionDelete  = "delete"
	ActionPromote = "promote"
)

// GovernedResult is either a stored memory or a queued pending action.
type GovernedResult struct {
	Stored  *StoreResult
	Pending *Pending
}

// StoreGoverned stores in unless a standard governing its namespace requires
// approval, in which case the write is queued as a pending action. The
// input is validated first either way, so a queued write can be applied.
func (e *Engine) StoreGoverned(ctx context.Context, in NewMemory) (GovernedResult, error) {
	m, err := e.prepare(in)
	if err != nil {
		return GovernedResult{}, err
	}
	stds, err := e.ResolveStandards(ctx, m.Namespace)
	if err != nil {
		return GovernedResult{}, err
	}
	for _, s := range stds {
		if s.RequireApproval {
			p := Pending{ID: memory.NewID(e.Now()), Action: ActionStore, Namespace: m.Namespace, Memory: in,
				RequestedBy: in.AgentID, RequestedAt: e.Now(), Status: PendingStatus}
			if _, err := e.putRecord(ctx, "pending", memory.KindPending, p.ID, p); err != nil {
				return GovernedResult{}, err
			}
			return GovernedResult{Pending: &p}, nil
		}
	}
	res, err := e.put(ctx, OpStore, m)
	if err != nil && res.Memory.ID == "" {
		return GovernedResult{}, err
	}
	return GovernedResult{Stored: &res}, err
}

// refuseGoverned rejects a bulk write touching a namespace whose standard
// requires approval. Invalid namespaces are left to the item checks.
func (e *Engine) refuseGoverned(ctx context.Context, in []NewMemory) error {
	checked := map[string]bool{}
	for _, m := range in {
		ns := m.Namespace
		if ns == "" {
			ns = memory.DefaultNamespace
		}
		if checked[ns] || memory.ValidateNamespace(ns) != nil {
			continue
		}
		checked[ns] = true
		stds, err := e.ResolveStandards(ctx, ns)
		if err != nil {
			return err
		}
		for _, st := range stds {
			if st.RequireApproval {
				return memory.Errorf(memory.CodeForbidden, "namespace %q requires approval (standard of %q); store its memories one at a time to queue them", ns, st.Namespace)
			}
		}
	}
	return nil
}

// PendingList returns pending actions, oldest first, optionally only those
// with status ("" for all).
func (e *Engine) PendingList(ctx context.Context, status string, limit int) ([]Pending, error) {
	switch status {
	case "", PendingStatus, ApprovedStatus, RejectedStatus:
	default:
		return nil, memory.Errorf(memory.CodeInvalid, "status %q: want pending, approved or rejected", status)
	}
	limit = clampLimit(limit, DefaultListLimit, MaxListLimit)
	recs, err := e.store.ListRecords(ctx, memory.KindPending, "")
	if err != nil {
		return nil, err
	}
	out := []Pending{}
	for _, r := range recs {
		var p Pending
		if decodeRecord(r, &p) != nil || status != "" && p.Status != status {
			continue
		}
		if out = append(out, p); len(out) == limit {
			break
		}
	}
	return out, nil
}

// PendingApprove applies a pending write (a store, delete or promote)
// and records who approved it. acks counts the nodes holding both (0
// without federation).
func (e *Engine) PendingApprove(ctx context.Context, id, decidedBy string) (p *Pending, acks int, err error) {
	if p, err = e.openPending(ctx, id, decidedBy); err != nil {
		return nil, 0, err
	}
	var writeAcks int
	switch p.Action {
	case ActionStore:
		res, err := e.Store(ctx, p.Memory)
		if err != nil && res.Memory.ID == "" {
			return nil, 0, err
		}
		p.MemoryID, writeAcks = res.Memory.ID, res.Acks
	case ActionDelete:
		if writeAcks, err = e.Delete(ctx, p.MemoryID); err != nil {
			return nil, 0, err
		}
	case ActionPromote:
		if _, writeAcks, err = e.Promote(ctx, p.MemoryID, ""); err != nil {
			return nil, 0, err
		}
	default:
		return nil, 0, memory.Errorf(memory.CodeInvalid, "pending action %s: cannot apply action %q; reject it instead", id, p.Action)
	}
	acks, err = e.decide(ctx, p, ApprovedStatus, decidedBy)
	return p, minAcks(writeAcks, acks), err
}

// PendingReject discards a pending write, keeping the decision on record.
func (e *Engine) PendingReject(ctx context.Context, id, decidedBy string) (p *Pending, acks int, err error) {
	if p, err = e.openPending(ctx, id, decidedBy); err != nil {
		return nil, 0, err
	}
	acks, err = e.decide(ctx, p, RejectedStatus, decidedBy)
	return p, acks, err
}

func (e *Engine) openPending(ctx context.Context, id, decidedBy string) (*Pending, error) {
	if err := memory.ValidateToken("decided_by", decidedBy, memory.MaxAgentIDLen); err != nil {
		return nil, err
	}
	var p Pending
	ok, err := e.getRecord(ctx, memory.KindPending, id, &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, memory.Errorf(memory.CodeNotFound, "pending action %q not found; list them with pending_list", id)
	}
	if p.Status != PendingStatus {
		return nil, memory.Errorf(memory.CodeConflict, "pending action %s was already %s by %q", id, p.Status, p.DecidedBy)
	}
	return &p, nil
}

func (e *Engine) decide(ctx context.Context, p *Pending, status, by string) (acks int, err error) {
	now := e.Now()
	p.Status, p.DecidedBy, p.DecidedAt = status, by, &now
	return e.putRecord(ctx, "pending_"+status, memory.KindPending, p.ID, p)
}

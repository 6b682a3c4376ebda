package engine

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestGovernedStoreQueuesUntilApproved(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	policy := mustStore(t, e, NewMemory{Title: "Review writes", Content: "a human approves", Namespace: "ops"})
	if _, err := e.SetStandard(ctx, "ops", policy.ID, true, "lead"); err != nil {
		t.Fatal(err)
	}
	// Below a governed namespace the write is queued, not stored.
	res, err := e.StoreGoverned(ctx, NewMemory{Title: "Deploy key", Content: "rotate monthly", Namespace: "ops/keys", AgentID: "bot"})
	if err != nil || res.Pending == nil || res.Stored != nil {
		t.Fatalf("governed store = %+v, %v; want a pending action", res, err)
	}
	if _, err := e.store.FindByTitle(ctx, "ops/keys", "Deploy key"); !memory.IsNotFound(err) {
		t.Fatalf("queued write is visible: %v", err)
	}
	list, err := e.PendingList(ctx, PendingStatus, 0)
	if err != nil || len(list) != 1 || list[0].RequestedBy != "bot" || list[0].Namespace != "ops/keys" {
		t.Fatalf("pending list = %+v, %v", list, err)
	}

	p, _, err := e.PendingApprove(ctx, res.Pending.ID, "alice")
	if err != nil || p.Status != ApprovedStatus || p.DecidedBy != "alice" || p.MemoryID == "" {
		t.Fatalf("approve = %+v, %v", p, err)
	}
	m, _, err := e.Get(ctx, p.MemoryID)
	if err != nil || m.Content != "rotate monthly" || m.AgentID != "bot" {
		t.Fatalf("approved memory = %+v, %v", m, err)
	}
	// A decided action cannot be decided again.
	_, _, err = e.PendingReject(ctx, res.Pending.ID, "bob")
	wantCode(t, err, memory.CodeConflict)
	if left, _ := e.PendingList(ctx, PendingStatus, 0); len(left) != 0 {
		t.Fatalf("still pending: %+v", left)
	}
	if done, _ := e.PendingList(ctx, ApprovedStatus, 0); len(done) != 1 {
		t.Fatalf("approved list = %+v; want one", done)
	}
}

func TestPendingRejectWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	policy := mustStore(t, e, NewMemory{Title: "Freeze", Content: "no writes"})
	if _, err := e.SetStandard(ctx, "*", policy.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	res, err := e.StoreGoverned(ctx, NewMemory{Title: "Spam", Content: "x"})
	if err != nil || res.Pending == nil {
		t.Fatalf("store under global freeze = %+v, %v", res, err)
	}
	p, _, err := e.PendingReject(ctx, res.Pending.ID, "carol")
	if err != nil || p.Status != RejectedStatus {
		t.Fatalf("reject = %+v, %v", p, err)
	}
	if _, err := e.store.FindByTitle(ctx, "global", "Spam"); !memory.IsNotFound(err) {
		t.Fatalf("rejected write was stored: %v", err)
	}
	_, _, err = e.PendingApprove(ctx, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "carol")
	wantCode(t, err, memory.CodeNotFound)
	_, err = e.PendingList(ctx, "maybe", 0)
	wantCode(t, err, memory.CodeInvalid)
	_, _, err = e.PendingApprove(ctx, res.Pending.ID, "has space")
	wantCode(t, err, memory.CodeInvalid)
}

func TestUngovernedStoreWritesAndInvalidInputIsRejected(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	res, err := e.StoreGoverned(ctx, NewMemory{Title: "Free", Content: "no standard here"})
	if err != nil || res.Stored == nil || !res.Stored.Created {
		t.Fatalf("ungoverned store = %+v, %v", res, err)
	}
	_, err = e.StoreGoverned(ctx, NewMemory{Title: "", Content: "x"})
	wantCode(t, err, memory.CodeInvalid)
}

package engine

import (
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// An update cannot rename a memory onto a title its namespace already
// holds (409), while keeping its own title or moving to a free one works.
func TestUpdateRefusesTakenTitle(t *testing.T) {
	e := openExtrasEngine(t)
	a := mustStore(t, e, NewMemory{Title: "alpha", Namespace: "ns"})
	b := mustStore(t, e, NewMemory{Title: "beta", Namespace: "ns"})
	mustStore(t, e, NewMemory{Title: "beta", Namespace: "other"})

	taken := "beta"
	_, _, err := e.Update(ctx, a.ID, Patch{Title: &taken})
	wantCode(t, err, memory.CodeConflict)
	other := "other"
	_, _, err = e.Update(ctx, b.ID, Patch{Namespace: &other})
	wantCode(t, err, memory.CodeConflict)

	same := "alpha"
	if _, _, err := e.Update(ctx, a.ID, Patch{Title: &same}); err != nil {
		t.Fatalf("re-setting its own title: %v", err)
	}
	free := "gamma"
	if m, _, err := e.Update(ctx, a.ID, Patch{Title: &free}); err != nil || m.Title != "gamma" {
		t.Fatalf("rename to a free title: %+v %v", m, err)
	}
	// The refused updates changed nothing.
	got, _, err := e.Get(ctx, b.ID)
	if err != nil || got.Namespace != "ns" || got.Title != "beta" {
		t.Fatalf("b after refused move: %+v %v", got, err)
	}
}

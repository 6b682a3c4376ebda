package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// A rename onto a title races stores and bulk stores of that title; the
// title still names one active memory afterwards, because every write
// locks the title keys it reads or writes.
func TestRenameRacingStoresKeepsTitleUnique(t *testing.T) {
	for round := range 20 {
		e := openExtrasEngine(t)
		ns := fmt.Sprintf("r%d", round)
		src := mustStore(t, e, NewMemory{Title: "old", Namespace: ns})
		target := "new"
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			if _, _, err := e.Update(ctx, src.ID, Patch{Title: &target}); err != nil && memory.ErrorCode(err) != memory.CodeConflict {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := e.Store(ctx, NewMemory{Title: target, Namespace: ns}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := e.StoreMany(ctx, []NewMemory{{Title: target, Namespace: ns}}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		res, err := e.List(ctx, memory.ListQuery{Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		titled := 0
		for _, m := range res.Memories {
			if m.Title == target {
				titled++
			}
		}
		if titled != 1 {
			t.Fatalf("round %d: %d active memories titled %q; want 1", round, titled, target)
		}
	}
}

// A bulk store into a namespace whose standard requires approval is
// refused whole, whatever face sent it.
func TestStoreManyRefusesGovernedNamespace(t *testing.T) {
	e := openExtrasEngine(t)
	std := mustStore(t, e, NewMemory{Title: "policy", Namespace: "gov"})
	if _, err := e.SetStandard(ctx, "gov", std.ID, true, "admin"); err != nil {
		t.Fatal(err)
	}
	_, err := e.StoreMany(ctx, []NewMemory{{Title: "free", Namespace: "open"}, {Title: "held", Namespace: "gov/team"}})
	wantCode(t, err, memory.CodeForbidden)
	if res, _ := e.List(ctx, memory.ListQuery{Namespace: "open"}); res.Count != 0 {
		t.Fatalf("a refused bulk store wrote %d memories", res.Count)
	}
}

// Writers of different keys never wait on each other; a writer of a held
// key waits for it; no entry outlives its last writer.
func TestKeyLocks(t *testing.T) {
	var l keyLocks
	unlockAB := l.lock("b", "a", "b")
	done := make(chan struct{})
	go func() { l.lock("c", "d")(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a writer of other keys waited")
	}
	got := make(chan struct{})
	go func() { l.lock("d", "a")(); close(got) }()
	select {
	case <-got:
		t.Fatal("a writer of a held key did not wait")
	case <-time.After(50 * time.Millisecond):
	}
	unlockAB()
	<-got
	if len(l.keys) != 0 {
		t.Fatalf("%d lock entries left", len(l.keys))
	}
}

package engine

import (
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// A store of a taken title updates the memory holding it unless the
// upsert policy says otherwise; nil restores the rule.
func TestUpsertPolicy(t *testing.T) {
	e := openExtrasEngine(t)
	first := mustStore(t, e, NewMemory{Title: "t", Content: "c"})
	e.SetUpsertPolicy(func(_, _ *memory.Memory) bool { return false })
	copied := mustStore(t, e, NewMemory{Title: "t", Content: "c"})
	if copied.ID == first.ID {
		t.Fatal("a policy refusing updates must store a new memory")
	}
	e.SetUpsertPolicy(nil)
	if again := mustStore(t, e, NewMemory{Title: "t", Content: "c2"}); again.ID != first.ID && again.ID != copied.ID {
		t.Fatal("with the rule restored a taken title must update, not add")
	}
	if res, err := e.List(ctx, memory.ListQuery{}); err != nil || res.Count != 2 {
		t.Fatalf("%d memories, %v; want 2", res.Count, err)
	}
}

package engine

import (
	"context"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestResolveIDTakesAUniquePrefix(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	a := mustStore(t, e, NewMemory{Title: "a", Content: "x"})
	b := mustStore(t, e, NewMemory{Title: "b", Content: "y"})
	uuid := memory.Memory{ID: "3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f", Tier: memory.TierLong, Namespace: "global", Title: "imported",
		Content: "z", Priority: 5, Confidence: 1, Source: "import", CreatedAt: e.Now(), UpdatedAt: e.Now(),
		State: memory.StateActive, Origin: ImportOrigin, Version: 1}
	if _, err := e.ApplyReplicated(ctx, &memory.Batch{Memories: []memory.Memory{uuid}}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		a.ID: a.ID, uuid.ID: uuid.ID, "3f2b8c": uuid.ID, "3F2B8C1E": uuid.ID,
		b.ID[:24]: b.ID, strings.ToLower(b.ID[:24]): b.ID,
	} {
		if got, err := e.ResolveID(ctx, ref); err != nil || got != want {
			t.Errorf("ResolveID(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	// Both ULIDs were minted in the same millisecond or close: their first
	// characters (the time) are shared.
	_, err := e.ResolveID(ctx, a.ID[:6])
	if memory.ErrorCode(err) != memory.CodeInvalid || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), b.ID) {
		t.Fatalf("ambiguous prefix: %v; want invalid_argument naming both", err)
	}
	if _, err := e.ResolveID(ctx, "zzz"); !memory.IsNotFound(err) {
		t.Fatalf("no match: %v", err)
	}
}

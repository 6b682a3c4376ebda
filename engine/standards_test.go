package engine

import (
	"context"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestStandardChain(t *testing.T) {
	noParents := func(string) (string, error) { return "", nil }
	got, _ := standardChain("a/b/c", noParents)
	want := []string{"*", "a", "a/b", "a/b/c"}
	if len(got) != len(want) {
		t.Fatalf("chain = %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("chain = %v; want %v", got, want)
		}
	}
	if got, _ := standardChain("", noParents); len(got) != 1 || got[0] != "*" {
		t.Fatalf("chain of no namespace = %v; want [*]", got)
	}
	// A named parent replaces the path parent; a cycle ends the chain.
	parents := map[string]string{"team/api": "org", "org": "team/api"}
	got, _ = standardChain("team/api", func(ns string) (string, error) { return parents[ns], nil })
	if strings.Join(got, " ") != "* org team/api" {
		t.Fatalf("chain with parents = %v; want [* org team/api]", got)
	}
}

func TestStandardsResolveGeneralFirst(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	global := mustStore(t, e, NewMemory{Title: "Be kind", Content: "everywhere", Namespace: "policies"})
	parent := mustStore(t, e, NewMemory{Title: "Use Go", Content: "in proj", Namespace: "proj"})
	leaf := mustStore(t, e, NewMemory{Title: "Tabs", Content: "in proj/api", Namespace: "proj/api"})
	for ns, id := range map[string]string{"*": global.ID, "proj": parent.ID, "proj/api": leaf.ID} {
		if _, err := e.SetStandard(ctx, ns, id, false, "lead"); err != nil {
			t.Fatalf("set %s: %v", ns, err)
		}
	}
	chain, err := e.ResolveStandards(ctx, "proj/api/v2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range chain {
		got = append(got, s.Namespace+"="+s.Memory.Title)
	}
	want := "*=Be kind proj=Use Go proj/api=Tabs"
	if strings.Join(got, " ") != want {
		t.Fatalf("resolved %q; want %q", strings.Join(got, " "), want)
	}
	if other, _ := e.ResolveStandards(ctx, "other"); len(other) != 1 || other[0].Namespace != "*" {
		t.Fatalf("unrelated namespace resolves %v; want only *", other)
	}

	// Clearing removes one link of the chain; a deleted memory drops out.
	if err := e.ClearStandard(ctx, "proj"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.ClearStandard(ctx, "proj"), memory.CodeNotFound)
	if _, err := e.Delete(ctx, leaf.ID); err != nil {
		t.Fatal(err)
	}
	chain, _ = e.ResolveStandards(ctx, "proj/api")
	if len(chain) != 1 || chain[0].MemoryID != global.ID {
		t.Fatalf("after clear and delete: %v; want only the global standard", chain)
	}
	_, err = e.GetStandard(ctx, "proj")
	wantCode(t, err, memory.CodeNotFound)
	st, err := e.GetStandard(ctx, "*")
	if err != nil || st.SetBy != "lead" || st.Memory.Content != "everywhere" {
		t.Fatalf("get *: %+v, %v", st, err)
	}
}

func TestStandardRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	m := mustStore(t, e, NewMemory{Title: "x", Content: "y"})
	_, err := e.SetStandard(ctx, "bad ns", m.ID, false, "")
	wantCode(t, err, memory.CodeInvalid)
	_, err = e.SetStandard(ctx, "ok", "01ARZ3NDEKTSV4RRFFQ69G5FAV", false, "")
	wantCode(t, err, memory.CodeNotFound)
}

func TestStandardIsAReplicatedRecord(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	var batches []*memory.Batch
	e.SetReplicator(replicatorFunc(func(_ context.Context, b *memory.Batch) error { batches = append(batches, b); return nil }))
	m := mustStore(t, e, NewMemory{Title: "x", Content: "y"})
	if _, err := e.SetStandard(ctx, "team", m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	last := batches[len(batches)-1]
	if len(last.Records) != 1 || last.Records[0].Kind != memory.KindNamespaceStandard || last.Records[0].Key != "team" {
		t.Fatalf("replicated batch = %+v; want one namespace_standard record for team", last)
	}
}

type replicatorFunc func(context.Context, *memory.Batch) error

func (f replicatorFunc) Replicate(ctx context.Context, b *memory.Batch) (int, error) {
	return 1, f(ctx, b)
}

package storetest

import (
	"testing"

	memory "github.com/aimemory/ai-memory"
)

var readCases = []suiteCase{
	{"GetMemory/NotFound", testGetNotFound},
	{"GetMemory/AnyState", testGetAnyState},
	{"FindByTitle/ActiveExactMatchOnly", testFindByTitle},
	{"Touch/CountsWithoutNewVersion", testTouch},
	{"Local/GetSet", testLocal},
}

func testGetNotFound(t *testing.T, s memory.Store) {
	_, err := s.GetMemory(ctx(t), ids(1)[0])
	wantNotFound(t, "GetMemory of unknown id", err)
	_, err = s.GetMemory(ctx(t), "")
	wantNotFound(t, "GetMemory of empty id", err)
}

func testGetAnyState(t *testing.T, s memory.Store) {
	ii := ids(3)
	var ms []memory.Memory
	for i, st := range []memory.State{memory.StateActive, memory.StateArchived, memory.StateDeleted} {
		m := mem(ii[i], string(st), "x")
		m.State = st
		ms = append(ms, m)
	}
	applyMems(t, s, ms...)
	for _, want := range ms {
		sameMemory(t, "state "+string(want.State), get(t, s, want.ID), &want)
	}
}

func testFindByTitle(t *testing.T, s memory.Store) {
	ii := ids(5)
	active := mem(ii[0], "Release notes", "active one")
	otherNS := mem(ii[1], "Release notes", "other namespace")
	otherNS.Namespace = "other"
	archived := mem(ii[2], "Archived title", "x")
	archived.State = memory.StateArchived
	deleted := mem(ii[3], "Deleted title", "x")
	deleted.State = memory.StateDeleted
	prefixed := mem(ii[4], "Release notes v2", "longer title")
	applyMems(t, s, active, otherNS, archived, deleted, prefixed)

	got, err := s.FindByTitle(ctx(t), "test", "Release notes")
	if err != nil {
		t.Fatalf("FindByTitle: %v", err)
	}
	sameMemory(t, "FindByTitle", got, &active)
	got, err = s.FindByTitle(ctx(t), "other", "Release notes")
	if err != nil || got.ID != otherNS.ID {
		t.Fatalf("FindByTitle in other namespace: %v, %v", got, err)
	}
	for _, c := range []struct{ ns, title string }{
		{"test", "release notes"}, // exact, case included
		{"test", "Release"},
		{"test", "Archived title"},
		{"test", "Deleted title"},
		{"nowhere", "Release notes"},
		{"te", "Release notes"},
	} {
		_, err := s.FindByTitle(ctx(t), c.ns, c.title)
		wantNotFound(t, "FindByTitle("+c.ns+", "+c.title+")", err)
	}
}

func testTouch(t *testing.T, s memory.Store) {
	ii := ids(2)
	m := mem(ii[0], "touched", "x")
	other := mem(ii[1], "untouched", "y")
	applyMems(t, s, m, other)
	before, err := s.Changes(ctx(t), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	at1, at2 := base.Add(ms(5000)), base.Add(ms(9001))
	if err := s.Touch(ctx(t), []string{m.ID}, at1); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	if err := s.Touch(ctx(t), []string{m.ID, ids(1)[0]}, at2); err != nil {
		t.Fatalf("Touch with an unknown id: %v", err)
	}
	if err := s.Touch(ctx(t), nil, at2); err != nil {
		t.Fatalf("Touch of nothing: %v", err)
	}
	want := m
	want.AccessCount, want.LastAccessedAt = 2, ptr(at2)
	sameMemory(t, "touched memory", get(t, s, m.ID), &want)
	sameMemory(t, "other memory", get(t, s, other.ID), &other)
	after, err := s.Changes(ctx(t), before.NextSeq, 100)
	if err != nil || !after.Empty() {
		t.Fatalf("Touch produced changes: %+v, %v", after, err)
	}
	// A stale replica write stays skipped after touches.
	if res := applyMems(t, s, m); res.Memories != 0 {
		t.Fatalf("re-apply after touch applied %d", res.Memories)
	}
}

func testLocal(t *testing.T, s memory.Store) {
	if v, ok, err := s.LocalGet(ctx(t), "node_id"); err != nil || ok || v != "" {
		t.Fatalf("LocalGet of unset key: %q, %v, %v", v, ok, err)
	}
	for _, v := range []string{"node-1", "node-2", ""} {
		if err := s.LocalSet(ctx(t), "node_id", v); err != nil {
			t.Fatalf("LocalSet(%q): %v", v, err)
		}
		got, ok, err := s.LocalGet(ctx(t), "node_id")
		if err != nil || !ok || got != v {
			t.Fatalf("LocalGet after LocalSet(%q): %q, %v, %v", v, got, ok, err)
		}
	}
	if err := s.LocalSet(ctx(t), "other", "x"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.LocalGet(ctx(t), "node_id"); got != "" {
		t.Fatalf("keys are not independent: %q", got)
	}
	cs, err := s.Changes(ctx(t), 0, 10)
	if err != nil || !cs.Empty() {
		t.Fatalf("local settings appear in changes: %+v, %v", cs, err)
	}
}

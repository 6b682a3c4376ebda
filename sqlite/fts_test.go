package sqlite

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// TestFTSFollowsRandomHistory applies a random history of inserts, updates,
// stale writes, archives, deletes and restores, then checks every word
// against a model: search must find exactly the active rows that contain it,
// and FTS5's own integrity check must pass.
func TestFTSFollowsRandomHistory(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("amber basil cedar delta ember fjord gamma harbor iris jade kelp lumen")
	pick := func(n int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(out, " ")
	}
	ids := make([]string, 15)
	for i := range ids {
		ids[i] = memory.NewID(t0)
	}
	model := map[string]memory.Memory{}
	states := []memory.State{memory.StateActive, memory.StateActive, memory.StateArchived, memory.StateDeleted}
	for step := range 600 {
		id := ids[rng.IntN(len(ids))]
		m := testMem(step)
		m.ID, m.Title, m.Content = id, pick(2), pick(1+rng.IntN(5))
		m.Tags = strings.Fields(pick(rng.IntN(3)))
		m.State = states[rng.IntN(len(states))]
		m.Version = memory.MakeHLC(t0.UnixMilli(), uint16(rng.IntN(400)))
		m.Origin = []string{"n1", "n2"}[rng.IntN(2)]
		var b memory.Batch
		b.Memories = append(b.Memories, m)
		if rng.IntN(4) == 0 { // a second row in the same batch
			m2 := m
			m2.ID = ids[rng.IntN(len(ids))]
			m2.Version += memory.HLC(rng.IntN(3)) - 1
			m2.Content = pick(2)
			b.Memories = append(b.Memories, m2)
		}
		if _, err := s.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
		for _, x := range b.Memories {
			old, ok := model[x.ID]
			if !ok || memory.Newer(x.Version, x.Origin, old.Version, old.Origin) {
				model[x.ID] = x
			}
		}
		if step%7 == 0 {
			if err := s.Touch(ctx, []string{id}, t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, w := range words {
		var want []string
		for id, m := range model {
			text := m.Title + " " + m.Content + " " + strings.Join(m.Tags, " ")
			if m.State == memory.StateActive && slices.Contains(strings.Fields(text), w) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{w}, MatchAll: true, ListQuery: memory.ListQuery{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Memory.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("word %q: search found %v, model says %v", w, got, want)
		}
	}
	for id, want := range model {
		got, err := s.GetMemory(ctx, id)
		if err != nil || got.Version != want.Version || got.Origin != want.Origin || got.Content != want.Content {
			t.Fatalf("memory %s: got %+v (%v), model %+v", id, got, err, want)
		}
	}
	if _, err := s.aux.Exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 0)"); err != nil {
		t.Fatalf("FTS integrity check: %v", err)
	}
}

// TestIndexMergeKeepsSearchExact writes enough small commits to start the
// idle-time index merge, lets it finish, runs Optimize, and checks search
// against the data after each.
func TestIndexMergeKeepsSearchExact(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	words := strings.Fields("amber basil cedar delta ember fjord gamma harbor iris jade kelp lumen")
	want := map[string][]string{}
	for i := range 1100 / 10 {
		var b memory.Batch
		for j := range 10 {
			m := testMem(i*10 + j)
			w1, w2 := words[(i+j)%len(words)], words[(i*j)%len(words)]
			m.Content = w1 + " " + w2
			want[w1] = append(want[w1], m.ID)
			if w2 != w1 {
				want[w2] = append(want[w2], m.ID)
			}
			b.Memories = append(b.Memories, m)
		}
		if _, err := s.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, w := range words {
			hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{w}, MatchAll: true, ListQuery: memory.ListQuery{Limit: MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Memory.ID)
			}
			slices.Sort(got)
			exp := slices.Clone(want[w])
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Fatalf("%s: word %q found %d rows, want %d", when, w, len(got), len(exp))
			}
		}
		if _, err := s.aux.Exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 0)"); err != nil {
			t.Fatalf("%s: FTS integrity check: %v", when, err)
		}
	}
	// Idle now: the writer merges in steps until nothing is left. The probe
	// runs on the writer goroutine (it is a write), spaced so that the writer
	// still sees idle time between probes.
	mergeDue := func() bool {
		var due bool
		if err := s.w.do(ctx, true, func(tx *writeTx) error {
			due = tx.w.merge.due(tx.w.lastSeq)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return due
	}
	for deadline := time.Now().Add(60 * time.Second); mergeDue(); {
		if time.Now().After(deadline) {
			t.Fatalf("index merge still due after a minute (%d steps)", s.WriteStats().IndexMerges)
		}
		time.Sleep(3 * mergeIdle)
	}
	if n := s.WriteStats().IndexMerges; n < 1 {
		t.Fatalf("%d index merge steps after 1100 rows; want the idle merge to run", n)
	}
	check("after idle merge")
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	check("after Optimize")
}

// TestFTSBatchesWithRepeatedRows: a batch writing one memory several
// times, and a group of writes touching the same memories, leave exactly
// one index entry per active row (FTS5's integrity check would see a
// second one).
func TestFTSBatchesWithRepeatedRows(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	a, b := testMem(1), testMem(2)
	a.Content, b.Content = "amber", "basil"
	mustApply(t, s, a, b)
	a2, a3, b2 := a, a, b
	a2.Content, a2.Version = "cedar", a.Version+1
	a3.Content, a3.Version = "delta", a.Version+2
	b2.State, b2.Version = memory.StateArchived, b.Version+1
	if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{a2, b2, a3}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup // a group: writes queued together share a transaction
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := a3
			m.Content, m.Version = "ember", a3.Version+memory.HLC(1+i)
			if i%2 == 1 {
				m = b2
				m.State, m.Version = memory.StateActive, b2.Version+memory.HLC(1+i)
			}
			if _, err := s.Apply(ctx, &memory.Batch{Memories: []memory.Memory{m}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.aux.Exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 0)"); err != nil {
		t.Fatalf("FTS integrity check: %v", err)
	}
	for word, want := range map[string]int{"amber": 0, "cedar": 0, "delta": 0, "ember": 1, "basil": 1} {
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{word}, MatchAll: true})
		if err != nil || len(hits) != want {
			t.Fatalf("%s: %d hits, %v; want %d", word, len(hits), err, want)
		}
	}
}

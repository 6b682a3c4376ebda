package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// TestSearchPathsAgree checks the top-k plan against the plain join (FTS5's
// own bm25) on a random corpus, with windows wide enough to hold every
// match, so the top-k answer must be exact: same rows, same relevance to
// nine digits. Expired rows and offsets make it read past its first
// candidates.
func TestSearchPathsAgree(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	s.window, s.exact = 1<<20, 1<<20
	ctx := context.Background()
	c := newCorpus(5)
	now := t0
	batch := memory.Batch{}
	for i := range 600 {
		m := c.memory(now)
		switch {
		case i%10 < 7: // expired but not yet collected: with Now set, most candidates drop out
			m.ExpiresAt = ptrTime(now.Add(-time.Minute))
		case i%10 == 7:
			m.ExpiresAt = ptrTime(now.Add(time.Hour))
		}
		if i%17 == 0 { // exact duplicates tie on relevance
			m.Title, m.Content = "twin twin", "twin body"
		}
		batch.Memories = append(batch.Memories, m)
	}
	if _, err := s.Apply(ctx, &batch); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for i := range 80 {
		terms := memory.Terms(c.words(1 + rng.IntN(3)))
		if i%10 == 0 {
			terms = []string{"twin"}
		}
		lq := memory.ListQuery{Limit: 1 + rng.IntN(30), Offset: rng.IntN(3) * 7}
		if rng.IntN(2) == 0 {
			lq.Now = now
		}
		for _, all := range []bool{true, false} {
			q := memory.SearchQuery{ListQuery: lq, Terms: terms, MatchAll: all}
			got, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !all && len(terms) > 1 {
				if terms, err = s.keepMeaningful(r, terms); err != nil {
					t.Fatal(err)
				}
			}
			want, err := r.searchJoined(matchExpr(terms, all), &lq, lq.Limit, lq.Offset)
			r.tx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(hitKeys(got)) != fmt.Sprint(hitKeys(want)) {
				t.Fatalf("query %q all=%v %+v:\nindex-first %v\njoined      %v", terms, all, lq, hitKeys(got), hitKeys(want))
			}
			checked += len(got)
		}
	}
	if checked < 300 {
		t.Fatalf("only %d hits compared; the corpus does not exercise search", checked)
	}
}

func hitKeys(hs []memory.SearchHit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s:%.9g", h.Memory.ID, h.Relevance)
	}
	return out
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestORDropsMeaninglessTerms: a word in most memories adds nothing to
// bm25, so an OR query over a large store drops it, but never its last term.
func TestORDropsMeaninglessTerms(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	var ms []memory.Memory
	for i := range minDocsForPruning {
		m := testMem(i)
		m.Content = "the common word"
		switch i {
		case 0:
			m.Content = "the rare gem"
		case 1:
			m.Content = "the common café"
		}
		ms = append(ms, m)
	}
	mustApply(t, s, ms...)
	ids := func(terms ...string) []string {
		hits, err := s.Search(ctx, memory.SearchQuery{Terms: terms, ListQuery: memory.ListQuery{Limit: 50}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Memory.ID)
		}
		return out
	}
	if got := ids("the", "gem"); !slices.Equal(got, []string{ms[0].ID}) {
		t.Fatalf("OR the|gem: %v, want only the row with gem", got)
	}
	// The index folds diacritics; the frequency of "café" must be that of "cafe".
	if got := ids("the", "café"); !slices.Equal(got, []string{ms[1].ID}) {
		t.Fatalf("OR the|café: %v, want only the row with café", got)
	}
	if got := ids("the", "common"); len(got) != 50 || slices.Contains(got, ms[0].ID) {
		t.Fatalf("OR of common words only: %v, want a page of rows with the rarer term", got)
	}
	// AND keeps every term: its meaning depends on each.
	hits, err := s.Search(ctx, memory.SearchQuery{Terms: []string{"the", "gem"}, MatchAll: true, ListQuery: memory.ListQuery{Limit: 50}})
	if err != nil || len(hits) != 1 {
		t.Fatalf("AND the gem: %d hits, %v", len(hits), err)
	}
}

// TestORKeepsCommonTermsInSmallStores: in a store of a few memories a word
// in most of them is still what the caller is looking for.
func TestORKeepsCommonTermsInSmallStores(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	var ms []memory.Memory
	for i := range 3 {
		m := testMem(i)
		m.Content = "nothing shared"
		if i < 2 {
			m.Content = "kafka brokers"
		}
		ms = append(ms, m)
	}
	mustApply(t, s, ms...)
	hits, err := s.Search(context.Background(), memory.SearchQuery{Terms: []string{"how", "is", "kafka"}, ListQuery: memory.ListQuery{Limit: 10}})
	if err != nil || len(hits) != 2 {
		t.Fatalf("OR how|is|kafka over 3 memories: %d hits, %v", len(hits), err)
	}
}

// TestBestFirstMatchesSort: the partial selection puts the same k
// candidates first, in the same order, as sorting them all would.
func TestBestFirstMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		cs := make([]cand, rng.IntN(200))
		for i := range cs {
			cs[i] = cand{rowid: int64(i), first: float64(rng.IntN(8))} // many ties
		}
		rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		want := slices.Clone(cs)
		slices.SortFunc(want, func(a, b cand) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		k := rng.IntN(len(cs) + 2)
		bestFirst(cs, k)
		if n := min(k, len(cs)); !slices.Equal(cs[:n], want[:n]) {
			t.Fatalf("round %d, k=%d: got %v, want %v", round, k, cs[:n], want[:n])
		}
	}
}

// TestTopKWithNarrowWindows forces the approximate plan (windows far
// smaller than the matches) and checks what it must still guarantee: every
// hit matches the query and its filters, appears once, carries the
// relevance FTS5 would give it, and comes in relevance order; and a query
// that matches something returns a full page when enough rows qualify.
func TestTopKWithNarrowWindows(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	s.window, s.exact = 8, 4
	ctx := context.Background()
	c := newCorpus(9)
	batch := memory.Batch{}
	for i := range 800 {
		m := c.memory(t0)
		if i%5 == 0 {
			m.ExpiresAt = ptrTime(t0.Add(-time.Minute))
		}
		batch.Memories = append(batch.Memories, m)
	}
	if _, err := s.Apply(ctx, &batch); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		terms := memory.Terms(c.words(1 + rng.IntN(3)))
		lq := memory.ListQuery{Limit: 10, Now: t0}
		if i%2 == 0 {
			lq.Namespace = fmt.Sprintf("project-%d", rng.IntN(20))
		}
		for _, all := range []bool{true, false} {
			q := memory.SearchQuery{ListQuery: lq, Terms: terms, MatchAll: all}
			got, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			// The exact answer, from FTS5 joined with the filters.
			r, err := s.snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := terms
			if !all && len(terms) > 1 {
				if want, err = s.keepMeaningful(r, terms); err != nil {
					t.Fatal(err)
				}
			}
			full, err := r.searchJoined(matchExpr(want, all), &memory.ListQuery{Namespace: lq.Namespace, Now: t0}, MaxLimit, 0)
			r.tx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			exact := map[string]float64{}
			for _, h := range full {
				exact[h.Memory.ID] = h.Relevance
			}
			seen := map[string]bool{}
			for j, h := range got {
				rel, ok := exact[h.Memory.ID]
				if !ok || seen[h.Memory.ID] {
					t.Fatalf("query %q all=%v: hit %s is no match or twice", terms, all, h.Memory.ID)
				}
				seen[h.Memory.ID] = true
				if fmt.Sprintf("%.9g", rel) != fmt.Sprintf("%.9g", h.Relevance) {
					t.Fatalf("query %q: relevance %v, FTS5 says %v", terms, h.Relevance, rel)
				}
				if j > 0 && h.Relevance > got[j-1].Relevance {
					t.Fatalf("query %q: hits out of relevance order", terms)
				}
			}
			if len(got) < min(len(full), lq.Limit) {
				t.Fatalf("query %q all=%v: %d hits of %d matches, want a full page", terms, all, len(got), len(full))
			}
		}
	}
}

package curator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// TestSimilarPairsIsExact compares the prefix-filtered join with brute
// force on random sets over a small vocabulary (many overlaps) at several
// thresholds: it must find exactly the same pairs.
func TestSimilarPairsIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		sets := make([]map[string]bool, 60)
		for i := range sets {
			sets[i] = map[string]bool{}
			for k := 0; k < 1+r.IntN(12); k++ {
				sets[i][fmt.Sprint("w", r.IntN(25))] = true
			}
		}
		for _, th := range []float64{0.3, 0.5, 0.8, 1} {
			var want []pair
			for i := range sets {
				for j := i + 1; j < len(sets); j++ {
					if jaccard(sets[i], sets[j]) >= th {
						want = append(want, pair{i, j})
					}
				}
			}
			got := similarPairs(sets, th)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d threshold %v: join found %d pairs, brute force %d", round, th, len(got), len(want))
			}
		}
	}
}

func TestConflictHeuristic(t *testing.T) {
	d := func(s string) doc { return newDoc(memoryWith(s)) }
	for _, c := range []struct {
		a, b string
		want string
	}{
		{"The cache is enabled.", "The cache is not enabled.", "negation"},
		{"Deploys don't need approval.", "Deploys need approval.", "negation"},
		{"Feature flag enabled for beta.", "Feature flag disabled for beta.", "antonyms enabled/disabled"},
		{"Timeout is 30 seconds.", "Timeout is 45 seconds.", "numbers differ"},
		{"Timeout is 2.5 seconds.", "Timeout is 2.5 seconds!", ""},
		{"Ship on Tuesday.", "Ship on Tuesdays after review.", ""},
	} {
		a, b := d(c.a), d(c.b)
		got, _ := conflict(&a, &b)
		if got != c.want {
			t.Errorf("%q vs %q: %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestMergeContentKeepsEveryDistinctSentence(t *testing.T) {
	got := mergeContent([]memory.Memory{
		{Content: "Tag the build. Run the migration."},
		{Content: "Run the migration! Publish notes.\nTag the build."},
	})
	if want := "Tag the build. Run the migration. Publish notes."; got != want {
		t.Fatalf("merged %q, want %q", got, want)
	}
}

func TestUsePriority(t *testing.T) {
	for uses, want := range map[int64]int{0: 5, 4: 5, 5: 6, 14: 6, 15: 7, 35: 8, 75: 9, 155: 10, 100000: 10} {
		if got := usePriority(uses); got != want {
			t.Errorf("usePriority(%d) = %d, want %d", uses, got, want)
		}
	}
}

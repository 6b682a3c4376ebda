package render

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
)

// hundredRuns writes 100 synthetic campaigns, a mix of outcomes, each with
// its own run page already rendered as the real flow leaves it.
func hundredRuns(tb testing.TB) string {
	root := tb.TempDir()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		r := fixture.Run{CompletedAt: base.Add(time.Duration(i) * 4 * time.Hour), FailPhase: []int{0, 0, 0, 0, 0, 2, 0, 0, 4, 0}[i%10]}
		dir := filepath.Join(root, fmt.Sprintf("soak-v0.7.0-r%d", i+1))
		writeFixture(tb, dir, r)
		if err := RunPage(dir); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// TestIndexHundredRuns renders the dashboard over 100 runs. Its time
// budget (2 s) is a figure for BenchmarkIndexHundredRuns on a quiet
// machine, not a wall-clock assertion here: under CI's parallel packages
// the same render once took 2.02 s (0.72 s quiet).
func TestIndexHundredRuns(t *testing.T) {
	root := hundredRuns(t)
	n, err := Index(root)
	if err != nil || n != 100 {
		t.Fatalf("Index: %d %v", n, err)
	}
}

// BenchmarkIndexHundredRuns measures the dashboard over 100 runs, budget
// 2 s an iteration:
//
//	go test -run '^$' -bench BenchmarkIndexHundredRuns ./shipgate/render
func BenchmarkIndexHundredRuns(b *testing.B) {
	root := hundredRuns(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Index(root); err != nil {
			b.Fatal(err)
		}
	}
}

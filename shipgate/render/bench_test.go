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

// TestIndexHundredRunsUnderTwoSeconds is the performance bound.
func TestIndexHundredRunsUnderTwoSeconds(t *testing.T) {
	root := hundredRuns(t)
	start := time.Now()
	n, err := Index(root)
	elapsed := time.Since(start)
	if err != nil || n != 100 {
		t.Fatalf("Index: %d %v", n, err)
	}
	t.Logf("dashboard over %d runs rendered in %v", n, elapsed)
	if elapsed > 2*time.Second {
		t.Fatalf("dashboard over 100 runs took %v, budget 2s", elapsed)
	}
}

func BenchmarkIndexHundredRuns(b *testing.B) {
	root := hundredRuns(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Index(root); err != nil {
			b.Fatal(err)
		}
	}
}

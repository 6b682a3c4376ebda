package main

import "testing"

// Each recall budget applies at its own size: 2 ms at 100k, 5 ms only at a
// largest size above 100k (a run stopping at 100k is not judged on 5 ms).
func TestScaleTargetsJudgeRecallAtItsSize(t *testing.T) {
	limits := func(sizes ...int) map[string][]float64 {
		rep := &scaleReport{}
		for _, n := range sizes {
			rep.Sizes = append(rep.Sizes, sizeRow{N: n})
			rep.Rows = append(rep.Rows, opRow{Op: "recall", N: n, Latency: latency{P95: 3}})
		}
		out := map[string][]float64{}
		for _, tg := range scaleTargets(rep) {
			out[tg.Name] = append(out[tg.Name], tg.Limit)
		}
		return out
	}
	upTo100k := limits(10_000, 100_000)
	if l := upTo100k["recall_p95_ms@100000"]; len(l) != 1 || l[0] != 2 {
		t.Fatalf("targets up to 100k = %v; want recall_p95_ms@100000 once, at 2 ms", upTo100k)
	}
	upTo1M := limits(10_000, 100_000, 1_000_000)
	if a, b := upTo1M["recall_p95_ms@1000000"], upTo1M["recall_p95_ms@100000"]; len(a) != 1 || a[0] != 5 || len(b) != 1 || b[0] != 2 {
		t.Fatalf("targets up to 1M = %v; want 5 ms at 1M and 2 ms at 100k", upTo1M)
	}
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// TestChangesWindowReadsOnlyThePage checks that finding a page's window
// reads about one page of each seq index, not every row after it: the
// leaf scans of the plan return at most limit+1 rows per table whatever
// the feed's length. A plan that sorts all later rows (the union ordered
// from inside) returns them all here and fails.
func TestChangesWindowReadsOnlyThePage(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	const n, limit = 3000, 100
	for p := range n / 500 {
		var b memory.Batch
		for i := range 500 {
			id := fmt.Sprintf("m%05d", p*500+i)
			b.Memories = append(b.Memories, testMemory(id, id, "page", 1))
			if i%2 == 0 {
				b.Links = append(b.Links, memory.Link{SourceID: id, TargetID: "m00000", Relation: memory.RelatedTo,
					CreatedAt: b.Memories[0].CreatedAt, Origin: "node-a", Version: b.Memories[0].Version})
			}
		}
		if _, err := s.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, after := range []int64{0, n / 2} {
		var plan []struct{ Plan planNode }
		var raw []byte
		err := s.pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+changesWindowSQL, after, int64(limit), int64(math.MaxInt64)).Scan(&raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		scanned := plan[0].Plan.leafRows()
		if scanned > 3*(limit+1) {
			t.Fatalf("after seq %d: the window read %.0f rows for a page of %d:\n%s", after, scanned, limit, raw)
		}
	}
}

// planNode is the part of EXPLAIN's JSON this test reads.
type planNode struct {
	ActualRows  float64    `json:"Actual Rows"`
	ActualLoops float64    `json:"Actual Loops"`
	Plans       []planNode `json:"Plans"`
}

// leafRows sums the rows the plan's leaves (the scans) returned.
func (p planNode) leafRows() float64 {
	if len(p.Plans) == 0 {
		return p.ActualRows * max(p.ActualLoops, 1)
	}
	var sum float64
	for _, c := range p.Plans {
		sum += c.leafRows()
	}
	return sum
}

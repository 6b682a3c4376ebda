package storetest

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// Load fills the empty store l through LoadEmpty with the batches, in
// order, and returns what each applied; a refused or failed load fails
// the test.
func Load(t testing.TB, l memory.EmptyLoader, batches ...*memory.Batch) []memory.ApplyResult {
	t.Helper()
	var out []memory.ApplyResult
	loaded, err := l.LoadEmpty(context.Background(), func(apply memory.ApplyFunc) error {
		for _, b := range batches {
			res, err := apply(context.Background(), b)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	})
	if err != nil || !loaded {
		t.Fatalf("LoadEmpty: loaded %v, %v", loaded, err)
	}
	return out
}

package storetest

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// ApplyFunc is what a bulk load hands its caller: it writes one batch
// inside the load's transaction.
type ApplyFunc = func(context.Context, *memory.Batch) (memory.ApplyResult, error)

// Loader is a store with a bulk load into an empty store (LoadEmpty of
// the sqlite and postgres stores, migrate's fast path).
type Loader interface {
	LoadEmpty(ctx context.Context, fn func(apply ApplyFunc) error) (bool, error)
}

// Load fills the empty store l through LoadEmpty with the batches, in
// order, and returns what each applied; a refused or failed load fails
// the test.
func Load(t testing.TB, l Loader, batches ...*memory.Batch) []memory.ApplyResult {
	t.Helper()
	var out []memory.ApplyResult
	loaded, err := l.LoadEmpty(context.Background(), func(apply ApplyFunc) error {
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

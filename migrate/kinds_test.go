package migrate

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// The report compares every kind of row on its own, and SourceRowsOnly
// digests only the rows the source listed, so a copy into a store that
// holds other data still matches.
func TestKindsAndSourceRowsOnly(t *testing.T) {
	ctx := context.Background()
	src, dst := openURL(t, sqliteURL(t, "src.db")), openURL(t, sqliteURL(t, "dst.db"))
	f := seed(t, src, 60)
	other := seedMemory(1000)
	if _, err := dst.Apply(ctx, &memory.Batch{Memories: []memory.Memory{other}}); err != nil {
		t.Fatal(err)
	}
	rep := run(t, src, dst, Options{SourceRowsOnly: true})
	if rep.Kinds[KindLinks].SourceRows != f.links || rep.Kinds[memory.KindNamespaceStandard].SourceRows != f.records ||
		rep.Kinds[KindArchived].SourceRows != f.archived {
		t.Fatalf("kinds %+v; seeded %+v", rep.Kinds, f)
	}
	for k, kd := range rep.Kinds {
		if !kd.Match() {
			t.Errorf("%s: %+v", k, kd)
		}
	}
	rep, err := Run(ctx, src, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ContentDigest.Match() || rep.Kinds[KindOf(&other)].Match() {
		t.Fatalf("without SourceRowsOnly the destination's other memory must show: %+v", rep.Kinds[KindOf(&other)])
	}
	if !rep.Kinds[KindLinks].Match() {
		t.Fatalf("links differ although only a memory was added: %+v", rep.Kinds[KindLinks])
	}
}

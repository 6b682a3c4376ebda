package engine

import (
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// Curate puts back a row the caller read earlier as a new version above
// the one stored now, so a rollback wins over the change it undoes.
func TestCurateRestoresAboveTheStoredVersion(t *testing.T) {
	e := openExtrasEngine(t)
	rep := &recordingReplicator{}
	e.SetReplicator(rep)
	prior := mustStore(t, e, NewMemory{Title: "t", Content: "before"})
	c := "after"
	changed, _, err := e.Update(ctx, prior.ID, Patch{Content: &c})
	if err != nil {
		t.Fatal(err)
	}
	rec := memory.Record{Kind: "curator_rollback", Key: "entry", Value: []byte(`{}`), UpdatedAt: e.Now()}
	acks, err := e.Curate(ctx, "curator_rollback", &memory.Batch{Memories: []memory.Memory{prior}, Records: []memory.Record{rec}})
	if err != nil || acks != 2 {
		t.Fatalf("curate: acks %d, %v", acks, err)
	}
	got, _, err := e.Get(ctx, prior.ID)
	if err != nil || got.Content != "before" || got.Version <= changed.Version || got.Origin != "n1" {
		t.Fatalf("restored %q@%v from %q; want %q above %v", got.Content, got.Version, got.Origin, "before", changed.Version)
	}
	if last := rep.batches[len(rep.batches)-1]; last.Op != "curator_rollback" || len(last.Records) != 1 {
		t.Fatalf("replicated %s with %d records; want the curator_rollback batch with its record", last.Op, len(last.Records))
	}
}

package engine

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// Every write hands back the replicator's count of nodes holding it, and
// every row it commits carries this node's origin and a version above the
// row it replaced, even one stamped by a peer whose clock runs far ahead.
func TestCommitStampsAndReturnsAcks(t *testing.T) {
	e := openExtrasEngine(t)
	rep := &recordingReplicator{}
	e.SetReplicator(rep)
	res, err := e.Store(ctx, NewMemory{Title: "a", Content: "x"})
	if err != nil || res.Acks != 2 || res.Memory.Origin != "n1" || res.Memory.Version == 0 {
		t.Fatalf("store: %+v acks %d, %v", res.Memory, res.Acks, err)
	}
	ahead := res.Memory
	ahead.Origin, ahead.Version = "peer", memory.MakeHLC(e.Now().UnixMilli()+3_600_000, 7)
	if _, err := e.ApplyReplicated(ctx, &memory.Batch{Memories: []memory.Memory{ahead}}); err != nil {
		t.Fatal(err)
	}
	c := "y"
	m, acks, err := e.Update(ctx, ahead.ID, Patch{Content: &c})
	if err != nil || acks != 2 || m.Origin != "n1" || m.Version <= ahead.Version {
		t.Fatalf("update after a peer ahead: %s@%v (peer %v), acks %d, %v", m.Origin, m.Version, ahead.Version, acks, err)
	}
	b := mustStore(t, e, NewMemory{Title: "b", Content: "x"})
	l, acks, err := e.Link(ctx, m.ID, b.ID, memory.RelatedTo)
	if err != nil || acks != 2 || l.Origin != "n1" || l.Version <= m.Version {
		t.Fatalf("link: %+v acks %d, %v", l, acks, err)
	}
	if acks, err := e.Delete(ctx, b.ID); err != nil || acks != 2 {
		t.Fatalf("delete: acks %d, %v", acks, err)
	}
	for _, got := range rep.batches {
		for _, row := range got.Memories {
			if row.Origin != "n1" {
				t.Errorf("%s batch carries a memory from %q", got.Op, row.Origin)
			}
		}
	}
	want := []string{OpStore, "update", OpStore, "link", "delete"} // the peer's row is not replicated again
	if ops := opsOf(rep.batches); !slices.Equal(ops, want) {
		t.Fatalf("replicated ops %v; want %v", ops, want)
	}
}

// An import keeps the rows' own stamps: importing an export twice
// changes nothing, and an older export never overwrites newer data.
func TestImportKeepsStamps(t *testing.T) {
	src := openExtrasEngine(t)
	m := mustStore(t, src, NewMemory{Title: "kept", Content: "x"})
	x, err := src.Export(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	dst := openExtrasEngine(t)
	for range 2 {
		if _, err := dst.Import(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := dst.Get(ctx, m.ID)
	if err != nil || got.Version != m.Version || got.Origin != m.Origin {
		t.Fatalf("imported %v@%v from %q; want %v from %q", got, got.Version, got.Origin, m.Version, m.Origin)
	}
}

func opsOf(bs []memory.Batch) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Op
	}
	return out
}

// opRecorder is an Observer keeping the op of every batch it is told of.
type opRecorder struct{ ops []string }

func (o *opRecorder) Committed(b *memory.Batch) { o.ops = append(o.ops, b.Op) }

// Observers hear of every local commit, a store as OpStore and registry
// or message writes under their own ops, and never of peers' batches.
func TestObserversSeeLocalCommits(t *testing.T) {
	e := openExtrasEngine(t)
	rec := &opRecorder{}
	e.Observe(rec)
	m := mustStore(t, e, NewMemory{Title: "a", Content: "x"})
	if _, err := e.StoreMany(ctx, []NewMemory{{Title: "b"}, {Title: "c"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.RegisterAgent(ctx, Agent{AgentID: "bot"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Notify(ctx, "bot", "alice", "hi", "there", nil, ""); err != nil {
		t.Fatal(err)
	}
	peer := m
	peer.ID, peer.Title, peer.Origin = memory.NewID(e.Now()), "from a peer", "peer"
	if _, err := e.ApplyReplicated(ctx, &memory.Batch{Op: OpStore, Memories: []memory.Memory{peer}}); err != nil {
		t.Fatal(err)
	}
	if want := []string{OpStore, OpStore, "agent_register", "notify"}; !slices.Equal(rec.ops, want) {
		t.Fatalf("observed %v; want %v", rec.ops, want)
	}
}

// applyRefused is a store whose every local apply fails, as on a full
// disk.
type applyRefused struct{ memory.Store }

var errDiskFull = errors.New("disk full")

func (applyRefused) Apply(context.Context, *memory.Batch) (memory.ApplyResult, error) {
	return memory.ApplyResult{}, errDiskFull
}

// A write whose local apply fails is that failure and reaches no one: not
// the peers (the replicator is never called), not the observers.
func TestFailedLocalApplyReachesNoPeer(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "refused.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := New(applyRefused{st}, Options{NodeID: "n1"})
	rep, rec := &recordingReplicator{}, &opRecorder{}
	e.SetReplicator(rep)
	e.Observe(rec)
	res, err := e.Store(ctx, NewMemory{Title: "a", Content: "x"})
	if !errors.Is(err, errDiskFull) || res.Acks != 0 {
		t.Fatalf("store on a refusing disk: acks %d, %v; want 0 and the disk's error", res.Acks, err)
	}
	if len(rec.ops) != 0 || len(rep.batches) != 0 {
		t.Fatalf("observers heard %v, the replicator got %d batches; want nothing", rec.ops, len(rep.batches))
	}
}

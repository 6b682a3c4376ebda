package curator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// TestDryRunFindsPlantedDuplicates seeds 200 memories with 20 planted
// near-duplicate pairs, 20 partial-overlap distractors (four of them exact
// copies in another namespace) and 5 contradiction pairs, then checks the
// dry-run plan against the known answers and that it wrote nothing.
func TestDryRunFindsPlantedDuplicates(t *testing.T) {
	var dupFound, dupHit, dupTruth, conFound, conHit, conTruth int
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			f, h, n, cf, ch, cn := dryRunScore(t, seed)
			dupFound, dupHit, dupTruth = dupFound+f, dupHit+h, dupTruth+n
			conFound, conHit, conTruth = conFound+cf, conHit+ch, conTruth+cn
		})
	}
	precision, recall := float64(dupHit)/float64(dupFound), float64(dupHit)/float64(dupTruth)
	t.Logf("duplicates over 5 corpora: %d pairs proposed, %d planted, %d correct: precision %.3f recall %.3f",
		dupFound, dupTruth, dupHit, precision, recall)
	if precision < 0.9 || recall < 0.9 {
		t.Errorf("duplicate precision %.3f recall %.3f, want both >= 0.9", precision, recall)
	}
	cp, cr := float64(conHit)/float64(conFound), float64(conHit)/float64(conTruth)
	t.Logf("contradictions over 5 corpora: %d flagged, %d planted, %d correct: precision %.3f recall %.3f",
		conFound, conTruth, conHit, cp, cr)
	if cp < 0.8 || cr < 0.9 {
		t.Errorf("contradiction precision %.3f recall %.3f, want >= 0.8 and >= 0.9", cp, cr)
	}
}

// dryRunScore runs a dry run on one seeded corpus and returns pairs
// found, correct and planted, for duplicates then contradictions.
func dryRunScore(t *testing.T, seed uint64) (int, int, int, int, int, int) {
	ctx := context.Background()
	e := openEngine(t)
	corpus := newSeedCorpus(seed, 150, 20, 20, 5)
	ids := make([]string, len(corpus.notes))
	for i, n := range corpus.notes {
		ids[i] = store(t, e, n.ns, n.title, n.content).ID
	}
	if len(ids) != 200 {
		t.Fatalf("corpus has %d memories, want 200", len(ids))
	}
	before := fullExport(t, e)
	c, err := New(e, e.st, Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after := fullExport(t, e); after != before {
		t.Fatal("dry run changed the store")
	}

	truth := map[[2]string]bool{}
	for _, p := range corpus.dupPairs {
		truth[key(ids[p[0]], ids[p[1]])] = true
	}
	found := map[[2]string]bool{}
	for _, cp := range rep.Proposals.Consolidations {
		for i := range cp.IDs {
			for j := i + 1; j < len(cp.IDs); j++ {
				found[key(cp.IDs[i], cp.IDs[j])] = true
			}
		}
	}
	hits := overlap(found, truth)
	t.Logf("duplicates: %d pairs proposed, %d planted, %d correct", len(found), len(truth), hits)

	ctruth := map[[2]string]bool{}
	for _, p := range corpus.contraPairs {
		ctruth[key(ids[p[0]], ids[p[1]])] = true
	}
	cfound := map[[2]string]bool{}
	for _, f := range rep.Proposals.Contradictions {
		cfound[key(f.A, f.B)] = true
	}
	chits := overlap(cfound, ctruth)
	t.Logf("contradictions: %d flagged, %d planted, %d correct", len(cfound), len(ctruth), chits)
	for _, f := range rep.Proposals.Contradictions {
		for _, cl := range rep.Proposals.Consolidations {
			if slices.Contains(cl.IDs, f.A) && slices.Contains(cl.IDs, f.B) {
				t.Errorf("contradicting pair %s/%s proposed for merging", f.A, f.B)
			}
		}
	}

	if rep.MemoriesScanned != 200 || rep.MemoriesEligible != 200 || !rep.DryRun {
		t.Errorf("scanned %d eligible %d dry_run %v", rep.MemoriesScanned, rep.MemoriesEligible, rep.DryRun)
	}
	if rep.Autonomy.RollbackEntriesWritten != 0 || len(rep.RollbackIDs) != 0 {
		t.Errorf("dry run wrote rollback entries: %+v", rep.Autonomy)
	}
	if rep.Autonomy.ClustersFormed != len(rep.Proposals.Consolidations) || rep.ContradictionsFound != len(rep.Proposals.Contradictions) {
		t.Errorf("counters disagree with proposals: %+v", rep)
	}
	if len(rep.Errors) != 0 || len(rep.Autonomy.Errors) != 0 {
		t.Errorf("errors: %v %v", rep.Errors, rep.Autonomy.Errors)
	}
	return len(found), hits, len(truth), len(cfound), chits, len(ctruth)
}

func key(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func overlap(found, truth map[[2]string]bool) int {
	hit := 0
	for p := range found {
		if truth[p] {
			hit++
		}
	}
	return hit
}

// TestRunThenRollbackRestoresState applies every kind of operation, checks
// each took effect, then rolls all of them back and compares the
// user-visible state with the state before the run.
func TestRunThenRollbackRestoresState(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	a := store(t, e, "team", "Release checklist for vomira", "Tag the build. Run the migration dry run. Publish the notes to the wiki.", "release")
	b := store(t, e, "team", "release checklist for VOMIRA", "Tag the build. Run the migration dry run. Publish the notes on the wiki.")
	other := store(t, e, "team", "Linked note about vomira", "Vomira ships every Tuesday after review.")
	if _, _, err := e.Link(ctx, other.ID, a.ID, memory.RelatedTo); err != nil {
		t.Fatal(err)
	}
	c1 := store(t, e, "team", "Kelpstore retention policy", "Kelpstore keeps snapshots for 30 days before pruning.")
	c2 := store(t, e, "team", "Kelpstore retention policy (new)", "Kelpstore keeps snapshots for 90 days before pruning.")
	untagged := store(t, e, "team", "Kelpstore pruning job", "The pruning job for kelpstore snapshots runs nightly on vomira hosts.")
	used := store(t, e, "team", "Oncall phone tree", "Call the primary first, then the secondary.", "oncall")
	for i := 0; i < 20; i++ {
		if err := e.st.Touch(ctx, []string{used.ID}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	ttl := int64(60)
	exp, err := e.Store(ctx, engine.NewMemory{Namespace: "team", Title: "Temporary build flag", Content: "Set QX_FAST for one day.", Tags: []string{"tmp"}, TTLSecs: &ttl})
	if err != nil {
		t.Fatal(err)
	}
	skip := store(t, e, "private", "Release checklist for vomira", "Tag the build. Run the migration dry run. Publish the notes to the wiki.")
	_ = store(t, e, "private", "release checklist for VOMIRA", "Tag the build. Run the migration dry run. Publish the notes on the wiki.")
	e.Clock().SetSkew(2 * time.Minute) // the temporary flag has now expired

	before := stateDigest(t, e)
	c, err := New(e, e.st, Options{ExcludeNamespaces: []string{"private"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors)+len(rep.Autonomy.Errors) != 0 {
		t.Fatalf("errors: %v %v", rep.Errors, rep.Autonomy.Errors)
	}
	au := rep.Autonomy
	if au.MemoriesForgotten != 1 || au.ClustersFormed != 1 || au.MemoriesConsolidated != 2 || au.PriorityAdjustments != 1 ||
		rep.ContradictionsFound != 1 || rep.AutoTagged < 1 {
		t.Fatalf("unexpected report: %+v", rep)
	}
	if au.RollbackEntriesWritten != rep.OperationsAttempted || len(rep.RollbackIDs) != rep.OperationsAttempted {
		t.Fatalf("%d operations but %d rollback entries", rep.OperationsAttempted, au.RollbackEntriesWritten)
	}
	if rep.MemoriesEligible != rep.MemoriesScanned-2 {
		t.Fatalf("excluded namespace counted eligible: %+v", rep)
	}
	checkState(t, e, exp.Memory.ID, memory.StateArchived)
	checkState(t, e, a.ID, memory.StateDeleted)
	checkState(t, e, b.ID, memory.StateDeleted)
	checkState(t, e, skip.ID, memory.StateActive)
	if m, _ := e.st.GetMemory(ctx, used.ID); m.Priority != 7 {
		t.Errorf("priority after 20 uses = %d, want 7", m.Priority)
	}
	if m, _ := e.st.GetMemory(ctx, untagged.ID); len(m.Tags) == 0 {
		t.Errorf("untagged memory got no tags")
	} else {
		t.Logf("auto tags: %v", m.Tags)
	}
	links, _ := e.st.Links(ctx, c1.ID)
	if !slices.ContainsFunc(links, func(l memory.Link) bool {
		return l.Relation == memory.Contradicts && (l.TargetID == c2.ID || l.SourceID == c2.ID)
	}) {
		t.Errorf("contradiction not linked: %+v", links)
	}
	merged := rep.Proposals.Consolidations[0]
	if m, _ := e.st.GetMemory(ctx, merged.ResultID); m == nil || m.Title != a.Title && m.Title != b.Title {
		t.Errorf("merged memory %+v", m)
	}
	if stateDigest(t, e) == before {
		t.Fatal("run changed nothing")
	}

	// Later cycles pick up what one-operation-per-memory deferred (tags
	// for the contradiction pair), then find nothing: curation converges.
	// Rolling back every entry of every cycle, newest first, undoes
	// stacked operations on one memory in turn.
	entries := rep.OperationsAttempted
	for cycle := 2; ; cycle++ {
		r, err := c.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.OperationsAttempted == 0 {
			break
		}
		if cycle == 5 {
			t.Fatalf("still curating after %d cycles: %+v", cycle, r.Proposals)
		}
		entries += r.Autonomy.RollbackEntriesWritten
	}
	res, err := c.RollbackLast(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != entries {
		t.Fatalf("rolled back %d entries, want %d", len(res), entries)
	}
	if after := stateDigest(t, e); after != before {
		t.Fatal("state after rollback differs from the state before the run")
	}
	if _, err := c.Rollback(ctx, rep.RollbackIDs[0]); memory.ErrorCode(err) != memory.CodeConflict {
		t.Fatalf("second rollback of one entry: %v, want conflict", err)
	}
	if more, err := c.RollbackLast(ctx, 1); err != nil || len(more) != 0 {
		t.Fatalf("rollback-last with nothing left: %v %v", more, err)
	}
}

func checkState(t *testing.T, e *node, id string, want memory.State) {
	t.Helper()
	m, err := e.st.GetMemory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != want {
		t.Errorf("memory %s (%s) is %s, want %s", id, m.Title, m.State, want)
	}
}

// TestRollbackRefusesAfterLaterEdit shows a rollback never overwrites a
// change made after the curator's operation.
func TestRollbackRefusesAfterLaterEdit(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	m := store(t, e, "ns", "Phone tree", "Call the primary first.", "oncall")
	for i := 0; i < 10; i++ {
		e.st.Touch(ctx, []string{m.ID}, time.Now())
	}
	c, _ := New(e, e.st, Options{})
	rep, err := c.RunOnce(ctx)
	if err != nil || rep.Autonomy.PriorityAdjustments != 1 {
		t.Fatalf("run: %v %+v", err, rep)
	}
	content := "Call the secondary first."
	if _, _, err := e.Update(ctx, m.ID, engine.Patch{Content: &content}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Rollback(ctx, rep.RollbackIDs[0])
	if memory.ErrorCode(err) != memory.CodeConflict {
		t.Fatalf("rollback after a later edit: %v, want conflict", err)
	}
	got, _ := e.st.GetMemory(ctx, m.ID)
	if got.Content != content {
		t.Fatalf("later edit lost: %q", got.Content)
	}
	if _, err := c.Rollback(ctx, "01ARZ3NDEKTSV4RRFFQ69G5FAV"); memory.ErrorCode(err) != memory.CodeNotFound {
		t.Fatalf("unknown entry: %v", err)
	}
}

// TestMaxOpsCapsAndReservedNamespaces checks the cap counts skipped
// operations, that bad options are refused, and that agent registrations
// are never curated.
func TestMaxOpsCapsAndReservedNamespaces(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	for i, title := range []string{"alpha one", "bravo two", "charlie three"} {
		m := store(t, e, "ns", title, "Some words about nothing in particular number "+title, "t")
		for k := 0; k < 5*(i+1); k++ {
			e.st.Touch(ctx, []string{m.ID}, time.Now())
		}
	}
	store(t, e, memory.NamespaceAgents, "agent alice", "registered agent")
	store(t, e, memory.NamespaceAgents, "agent alice copy", "registered agent")
	c, err := New(e, e.st, Options{MaxOps: 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OperationsAttempted != 2 || rep.OperationsSkippedCap != 1 || rep.Autonomy.PriorityAdjustments != 2 {
		t.Fatalf("cap: %+v", rep)
	}
	if rep.MemoriesScanned != 5 || rep.MemoriesEligible != 3 || rep.Autonomy.ClustersFormed != 0 {
		t.Fatalf("reserved namespace curated: %+v", rep)
	}
	for _, bad := range []Options{{MaxOps: -1}, {DuplicateThreshold: 1.5}, {IncludeNamespaces: []string{"a b"}}} {
		if _, err := New(e, e.st, bad); memory.ErrorCode(err) != memory.CodeInvalid {
			t.Errorf("options %+v: %v, want invalid", bad, err)
		}
	}
}

// TestEmptyStoreReportsNoErrors: no LLM and nothing to do is a clean cycle,
// with arrays present rather than null.
func TestEmptyStoreReportsNoErrors(t *testing.T) {
	e := openEngine(t)
	c, _ := New(e, e.st, Options{DryRun: true, MaxOps: 10})
	rep, err := c.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 || rep.CompletedAt.Before(rep.StartedAt) {
		t.Fatalf("report: %+v", rep)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("null")) {
		t.Fatalf("report has a null array: %s", b)
	}
	for _, field := range []string{"started_at", "completed_at", "cycle_duration_ms", "memories_scanned", "memories_eligible",
		"auto_tagged", "contradictions_found", "operations_attempted", "operations_skipped_cap", "autonomy", "clusters_formed",
		"memories_consolidated", "memories_forgotten", "priority_adjustments", "rollback_entries_written", "errors", "dry_run"} {
		if !bytes.Contains(b, []byte(`"`+field+`":`)) {
			t.Errorf("report lacks contract field %s", field)
		}
	}
}

// TestDaemonRunsCyclesUntilCancelled runs the daemon for a few short intervals.
func TestDaemonRunsCyclesUntilCancelled(t *testing.T) {
	e := openEngine(t)
	c, _ := New(e, e.st, Options{DryRun: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n := 0
	err := c.Daemon(ctx, 20*time.Millisecond, func(r *Report) {
		if n++; n == 3 {
			cancel()
		}
	})
	if err != nil || n != 3 {
		t.Fatalf("daemon: %v after %d cycles", err, n)
	}
}

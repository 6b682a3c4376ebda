// Package curator keeps a memory store tidy without an LLM: it archives
// expired memories, merges near-duplicates, flags contradictions, tags
// untagged memories from corpus keyword statistics and raises the priority
// of well-used memories. Every change it makes writes a rollback entry (a
// replicated record holding the full prior rows), so any operation can be
// undone exactly. A dry run computes the same plan and writes nothing.
package curator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// Options configure a curator.
type Options struct {
	// MaxOps caps the operations applied per cycle; zero means no cap.
	MaxOps int
	DryRun bool
	// IncludeNamespaces limits the curator to these namespaces and their
	// descendants ("a" covers "a/b"); empty means all.
	IncludeNamespaces []string
	// ExcludeNamespaces are skipped, with their descendants.
	ExcludeNamespaces []string
	// DuplicateThreshold and SubjectThreshold override the defaults.
	DuplicateThreshold float64
	SubjectThreshold   float64
}

// Source is the source token on memories the curator writes.
const Source = "curator"

// Engine is what the curator needs of the engine: its clock and node id
// for rollback entries, and the writes it makes, Curate among them for
// the rows it builds itself.
type Engine interface {
	Now() time.Time
	NodeID() string
	Consolidate(ctx context.Context, in engine.ConsolidateInput) (engine.ConsolidateResult, error)
	Link(ctx context.Context, source, target string, rel memory.Relation) (*memory.Link, int, error)
	Update(ctx context.Context, id string, p engine.Patch) (*memory.Memory, int, error)
	Curate(ctx context.Context, op string, b *memory.Batch) (int, error)
}

// Store is what the curator reads directly: the engine's store.
type Store interface {
	GetMemory(ctx context.Context, id string) (*memory.Memory, error)
	ListMemories(ctx context.Context, q memory.ListQuery) ([]memory.Memory, bool, error)
	Links(ctx context.Context, id string) ([]memory.Link, error)
	GetRecord(ctx context.Context, kind, key string) (*memory.Record, error)
	ListRecords(ctx context.Context, kind, keyPrefix string) ([]memory.Record, error)
}

// Curator runs curation cycles on an engine and its store.
type Curator struct {
	eng  Engine
	st   Store
	opts Options
}

// New validates opts and returns a curator.
func New(eng Engine, st Store, opts Options) (*Curator, error) {
	if opts.MaxOps < 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "max-ops %d: want 0 (no cap) or more", opts.MaxOps)
	}
	for _, ns := range append(append([]string{}, opts.IncludeNamespaces...), opts.ExcludeNamespaces...) {
		if err := memory.ValidateNamespace(ns); err != nil {
			return nil, err
		}
	}
	if opts.DuplicateThreshold == 0 {
		opts.DuplicateThreshold = DefaultDuplicateThreshold
	}
	if opts.SubjectThreshold == 0 {
		opts.SubjectThreshold = DefaultSubjectThreshold
	}
	for _, t := range []float64{opts.DuplicateThreshold, opts.SubjectThreshold} {
		if !(t > 0 && t <= 1) {
			return nil, memory.Errorf(memory.CodeInvalid, "similarity threshold %v: want (0, 1]", t)
		}
	}
	return &Curator{eng: eng, st: st, opts: opts}, nil
}

// Daemon runs a cycle now and then every interval until ctx ends, handing
// each report to onReport. A failed cycle is reported, not fatal.
func (c *Curator) Daemon(ctx context.Context, interval time.Duration, onReport func(*Report)) error {
	if interval <= 0 {
		return memory.Errorf(memory.CodeInvalid, "interval must be positive")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := c.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
		if ctx.Err() != nil {
			return nil
		}
		onReport(rep)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce runs one cycle. The error is non-nil only when the store could
// not be read; failures of single operations land in the report's errors.
func (c *Curator) RunOnce(ctx context.Context) (*Report, error) {
	start := time.Now().UTC()
	rep := newReport(start, c.opts.DryRun)
	defer func() {
		rep.CompletedAt = time.Now().UTC()
		rep.CycleDurationMs = rep.CompletedAt.Sub(start).Milliseconds()
	}()
	all, err := c.scan(ctx)
	if err != nil {
		return rep, err
	}
	rep.MemoriesScanned = len(all)
	protected, err := c.protectedIDs(ctx)
	if err != nil {
		return rep, err
	}
	now := c.eng.Now()
	var live []memory.Memory
	for _, m := range all {
		if !c.eligible(m.Namespace) || protected[m.ID] {
			continue
		}
		rep.MemoriesEligible++
		if m.Expired(now) {
			rep.Proposals.Expired = append(rep.Proposals.Expired, m.ID)
		} else {
			live = append(live, m)
		}
	}
	p := c.plan(ctx, live, rep)
	r := runner{c: c, rep: rep}
	r.apply(ctx, p)
	return rep, nil
}

// scan reads every active memory, expired ones included.
func (c *Curator) scan(ctx context.Context) ([]memory.Memory, error) {
	var out []memory.Memory
	q := memory.ListQuery{Limit: engine.MaxListLimit}
	for {
		page, more, err := c.st.ListMemories(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !more || len(page) == 0 {
			return out, nil
		}
		q.AfterID = page[len(page)-1].ID
	}
}

// eligible applies the namespace filters. Reserved namespaces (the agent
// registry and inboxes) are never curated: merging or tagging them would
// change protocol data, not knowledge.
func (c *Curator) eligible(ns string) bool {
	if ns == memory.NamespaceAgents || strings.HasPrefix(ns, memory.NamespaceMessagesPrefix) {
		return false
	}
	for _, x := range c.opts.ExcludeNamespaces {
		if within(ns, x) {
			return false
		}
	}
	if len(c.opts.IncludeNamespaces) == 0 {
		return true
	}
	for _, in := range c.opts.IncludeNamespaces {
		if within(ns, in) {
			return true
		}
	}
	return false
}

func within(ns, filter string) bool { return ns == filter || strings.HasPrefix(ns, filter+"/") }

// protectedIDs are memories designated as namespace standards: records
// point at them by id, so the curator must not merge them away. Any string
// in a standard record that parses as an id counts, whatever the record's
// exact shape.
func (c *Curator) protectedIDs(ctx context.Context) (map[string]bool, error) {
	recs, err := c.st.ListRecords(ctx, memory.KindNamespaceStandard, "")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range recs {
		for _, s := range idStrings(r.Value) {
			out[s] = true
		}
	}
	return out, nil
}

// plan is a cycle's operations in the order they are applied.
type plan struct {
	expired        []string
	consolidations []ConsolidationPlan
	contradictions []ContradictionFinding
	tags           []TagPlan
	priority       []PriorityPlan
}

// plan analyses the live eligible memories namespace by namespace. Each
// memory takes part in at most one operation per cycle, so one rollback
// entry always describes the whole change to a memory.
func (c *Curator) plan(ctx context.Context, live []memory.Memory, rep *Report) *plan {
	p := &plan{expired: rep.Proposals.Expired, consolidations: []ConsolidationPlan{}, tags: []TagPlan{}, priority: []PriorityPlan{}}
	byNS := map[string][]doc{}
	var order []string
	for _, m := range live {
		if _, ok := byNS[m.Namespace]; !ok {
			order = append(order, m.Namespace)
		}
		byNS[m.Namespace] = append(byNS[m.Namespace], newDoc(m))
	}
	sort.Strings(order)
	touched := map[string]bool{}
	var all []doc
	for _, ns := range order {
		docs := byNS[ns]
		all = append(all, docs...)
		dups, contras := classifyPairs(docs, c.opts.DuplicateThreshold, c.opts.SubjectThreshold)
		for _, cl := range clusters(docs, dups, contras) {
			cp := ConsolidationPlan{Namespace: ns, Title: docs[cl.members[0]].mem.Title, MinSimilarity: round3(cl.minSimilarity)}
			for _, i := range cl.members {
				cp.IDs = append(cp.IDs, docs[i].mem.ID)
				touched[docs[i].mem.ID] = true
			}
			p.consolidations = append(p.consolidations, cp)
		}
		for _, f := range contras {
			a, b := docs[f.a].mem.ID, docs[f.b].mem.ID
			rep.ContradictionsFound++
			cf := ContradictionFinding{Namespace: ns, A: a, B: b, Reason: f.reason,
				TitleSimilarity: round3(f.titleSimilarity), Similarity: round3(f.similarity)}
			rep.Proposals.Contradictions = append(rep.Proposals.Contradictions, cf)
			linked, err := c.linked(ctx, a, b)
			if err != nil {
				rep.Errors = append(rep.Errors, err.Error())
				continue
			}
			if !linked && !touched[a] && !touched[b] {
				touched[a], touched[b] = true, true
				p.contradictions = append(p.contradictions, cf)
			}
		}
	}
	kws := keywords(all, maxAutoTags)
	for i, d := range all {
		if len(d.mem.Tags) == 0 && len(kws[i]) > 0 && !touched[d.mem.ID] {
			touched[d.mem.ID] = true
			p.tags = append(p.tags, TagPlan{ID: d.mem.ID, Tags: kws[i]})
		}
	}
	for _, d := range all {
		if to := usePriority(d.mem.AccessCount); to > d.mem.Priority && !touched[d.mem.ID] {
			p.priority = append(p.priority, PriorityPlan{ID: d.mem.ID, From: d.mem.Priority, To: to, AccessCount: d.mem.AccessCount})
		}
	}
	return p
}

// linked reports whether a contradicts link already joins a and b.
func (c *Curator) linked(ctx context.Context, a, b string) (bool, error) {
	links, err := c.st.Links(ctx, a)
	if err != nil {
		return false, fmt.Errorf("links of %s: %w", a, err)
	}
	for _, l := range links {
		if l.Relation == memory.Contradicts && (l.SourceID == b || l.TargetID == b) {
			return true, nil
		}
	}
	return false, nil
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

package curator

import (
	"context"
	"fmt"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// runner applies a plan under the operation cap and fills the report.
type runner struct {
	c   *Curator
	rep *Report
}

// take reports whether one more operation fits under the cap, counting it
// as attempted or as skipped.
func (r *runner) take() bool {
	if r.c.opts.MaxOps > 0 && r.rep.OperationsAttempted >= r.c.opts.MaxOps {
		r.rep.OperationsSkippedCap++
		return false
	}
	r.rep.OperationsAttempted++
	return true
}

// do runs one operation unless this is a dry run; it reports whether the
// operation counts as done (always, in a dry run).
func (r *runner) do(ctx context.Context, what string, op func(context.Context) (*Entry, error)) bool {
	if r.c.opts.DryRun {
		return true
	}
	e, err := op(ctx)
	if e != nil {
		r.rep.Autonomy.RollbackEntriesWritten++
		r.rep.RollbackIDs = append(r.rep.RollbackIDs, e.ID)
	}
	if err != nil {
		r.rep.Autonomy.Errors = append(r.rep.Autonomy.Errors, what+": "+err.Error())
	}
	return e != nil
}

func (r *runner) apply(ctx context.Context, p *plan) {
	a := &r.rep.Autonomy
	for _, id := range p.expired {
		if r.take() && r.do(ctx, "expire "+id, func(ctx context.Context) (*Entry, error) { return r.c.expire(ctx, id) }) {
			a.MemoriesForgotten++
		}
	}
	a.ClustersFormed = len(p.consolidations)
	r.rep.Proposals.Consolidations = p.consolidations
	for i := range p.consolidations {
		cp := &r.rep.Proposals.Consolidations[i]
		if r.take() && r.do(ctx, "consolidate "+cp.IDs[0], func(ctx context.Context) (*Entry, error) { return r.c.consolidate(ctx, cp) }) {
			a.MemoriesConsolidated += len(cp.IDs)
			cp.Applied = !r.c.opts.DryRun
		}
	}
	for i := range r.rep.Proposals.Contradictions {
		cf := &r.rep.Proposals.Contradictions[i]
		if !planned(p.contradictions, cf) {
			continue
		}
		if r.take() {
			cf.Applied = r.do(ctx, "flag contradiction "+cf.A, func(ctx context.Context) (*Entry, error) { return r.c.flag(ctx, cf) }) && !r.c.opts.DryRun
		}
	}
	r.rep.Proposals.Tags = p.tags
	for i := range p.tags {
		tp := &r.rep.Proposals.Tags[i]
		if r.take() && r.do(ctx, "auto-tag "+tp.ID, func(ctx context.Context) (*Entry, error) {
			return r.c.update(ctx, "auto_tag", tp.ID, func(m *memory.Memory) *engine.Patch {
				if len(m.Tags) > 0 {
					return nil
				}
				return &engine.Patch{Tags: &tp.Tags}
			})
		}) {
			r.rep.AutoTagged++
			tp.Applied = !r.c.opts.DryRun
		}
	}
	r.rep.Proposals.Priority = p.priority
	for i := range p.priority {
		pp := &r.rep.Proposals.Priority[i]
		if r.take() && r.do(ctx, "priority "+pp.ID, func(ctx context.Context) (*Entry, error) {
			return r.c.update(ctx, "priority", pp.ID, func(m *memory.Memory) *engine.Patch {
				if m.Priority >= pp.To {
					return nil
				}
				return &engine.Patch{Priority: &pp.To}
			})
		}) {
			a.PriorityAdjustments++
			pp.Applied = !r.c.opts.DryRun
		}
	}
}

func planned(list []ContradictionFinding, f *ContradictionFinding) bool {
	for _, x := range list {
		if x.A == f.A && x.B == f.B {
			return true
		}
	}
	return false
}

// applied reports whether err still left the change in place: a write that
// missed the federation quorum is kept locally and repaired by sync, so it
// needs its rollback entry like any other.
func applied(err error) bool { return err == nil || memory.ErrorCode(err) == memory.CodeQuorumNotMet }

// expire archives one expired memory. The archive row and its rollback
// entry are one batch, so neither can exist without the other. The engine's
// GC is not used because it archives every namespace at once, uncapped.
func (c *Curator) expire(ctx context.Context, id string) (*Entry, error) {
	prior, err := c.st.GetMemory(ctx, id)
	if err != nil {
		return nil, err
	}
	now := c.eng.Now()
	if prior.State != memory.StateActive || !prior.Expired(now) {
		return nil, nil // changed since the scan; nothing to do
	}
	archived := *prior
	archived.State, archived.ArchivedAt, archived.UpdatedAt = memory.StateArchived, &now, now
	e := c.newEntry("expire")
	e.Before = []memory.Memory{*prior}
	e.After[id] = digest(archived)
	err = c.write(ctx, "curator_expire", e, &memory.Batch{Memories: []memory.Memory{archived}})
	if !applied(err) {
		return nil, err
	}
	return e, err
}

// consolidate merges a cluster through the engine, after capturing the
// full rows and live links it is about to replace.
func (c *Curator) consolidate(ctx context.Context, cp *ConsolidationPlan) (*Entry, error) {
	e := c.newEntry("consolidate")
	seenLink := map[string]bool{}
	for _, id := range cp.IDs {
		m, err := c.st.GetMemory(ctx, id)
		if err != nil {
			return nil, err
		}
		if m.State != memory.StateActive {
			return nil, fmt.Errorf("memory %s is no longer active", id)
		}
		e.Before = append(e.Before, *m)
		links, err := c.st.Links(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if k := linkKey(l); !seenLink[k] {
				seenLink[k] = true
				e.BeforeLinks = append(e.BeforeLinks, l)
			}
		}
	}
	res, err := c.eng.Consolidate(ctx, engine.ConsolidateInput{IDs: cp.IDs, Title: cp.Title, Namespace: cp.Namespace,
		Summary: mergeContent(e.Before), Source: Source})
	if !applied(err) {
		return nil, err
	}
	cp.ResultID = res.Memory.ID
	e.CreatedMemories = []string{res.Memory.ID}
	if err := c.recordAfter(ctx, e, append(append([]string{}, cp.IDs...), res.Memory.ID)); err != nil {
		return nil, err
	}
	return c.finish(ctx, e, err)
}

// flag links a contradiction pair with a contradicts link.
func (c *Curator) flag(ctx context.Context, cf *ContradictionFinding) (*Entry, error) {
	l, _, err := c.eng.Link(ctx, cf.A, cf.B, memory.Contradicts)
	if !applied(err) {
		return nil, err
	}
	e := c.newEntry("flag_contradiction")
	e.CreatedLinks = []memory.Link{*l}
	return c.finish(ctx, e, err)
}

// update patches one memory through the engine when decide, given the
// fresh row, still wants a change.
func (c *Curator) update(ctx context.Context, op, id string, decide func(*memory.Memory) *engine.Patch) (*Entry, error) {
	prior, err := c.st.GetMemory(ctx, id)
	if err != nil {
		return nil, err
	}
	patch := decide(prior)
	if prior.State != memory.StateActive || patch == nil {
		return nil, nil
	}
	_, _, err = c.eng.Update(ctx, id, *patch)
	if !applied(err) {
		return nil, err
	}
	e := c.newEntry(op)
	e.Before = []memory.Memory{*prior}
	if err := c.recordAfter(ctx, e, []string{id}); err != nil {
		return nil, err
	}
	return c.finish(ctx, e, err)
}

// recordAfter stores the digest of each memory as the operation left it,
// read back from the store.
func (c *Curator) recordAfter(ctx context.Context, e *Entry, ids []string) error {
	for _, id := range ids {
		m, err := c.st.GetMemory(ctx, id)
		if err != nil {
			return err
		}
		e.After[id] = digest(*m)
	}
	return nil
}

// finish writes the rollback entry of an applied operation. opErr is a
// quorum miss the operation survived; it is still reported.
func (c *Curator) finish(ctx context.Context, e *Entry, opErr error) (*Entry, error) {
	if err := c.write(ctx, "curator_entry", e, &memory.Batch{}); !applied(err) {
		return nil, fmt.Errorf("applied, but its rollback entry was not written: %w", err)
	}
	return e, opErr
}

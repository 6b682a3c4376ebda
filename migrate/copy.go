package migrate

import (
	"context"
	"fmt"

	memory "github.com/aimemory/ai-memory"
)

// copier is one run's copy: it reads the source and hands pages to a writer.
type copier struct {
	from   Source
	sel    selector
	src    *digestSet
	listed rowKeys
	opts   Options
	rep    *Report
}

// loadEmpty copies through the destination's bulk path when it has one and
// is empty; false when the ordinary path must copy instead. A failed load
// keeps nothing, so the report's counts go back to zero and say so.
func (c *copier) loadEmpty(ctx context.Context, to memory.Store) (bool, error) {
	l, ok := to.(memory.EmptyLoader)
	if !ok || c.opts.DryRun {
		return false, nil
	}
	loaded, err := l.LoadEmpty(ctx, func(apply memory.ApplyFunc) error {
		return c.copyAll(ctx, &writer{apply: apply, to: to, rep: c.rep, fresh: true})
	})
	if err != nil && loaded {
		r := c.rep
		r.Written, r.Links, r.Records, r.Archived = 0, 0, 0, 0
		return true, fmt.Errorf("migrate: %w (the copy into the empty destination is one transaction: nothing was written)", err)
	}
	if err != nil {
		return false, fmt.Errorf("migrate: destination: %w", err)
	}
	if loaded && c.opts.OnBatch != nil {
		c.opts.OnBatch(*c.rep) // the rows are durable only now
	}
	return loaded, nil
}

// copyAll reads every selected page of the source, digests it, and has w
// write it, in three goroutines: while the destination writes a page, the
// next is digested and the one after is read. On two cores the source's
// reading and digest are as much work as the writing, and done in one
// goroutine they set the pace. A page is written only once digested, as
// before; at most five pages are in memory.
func (c *copier) copyAll(ctx context.Context, w *writer) error {
	rep := c.rep
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	read, digested := make(chan *memory.Batch, 1), make(chan *memory.Batch, 1)
	readErr, digestErr := make(chan error, 1), make(chan error, 1)
	go func() {
		defer close(read)
		readErr <- eachPage(rctx, c.from, c.opts.Batch, func(cs *memory.ChangeSet) error {
			b, err := c.sel.filter(rctx, c.from, &cs.Batch)
			if err != nil {
				return err
			}
			if c.listed != nil {
				c.listed.add(b)
			}
			select {
			case read <- b:
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		})
	}()
	go func() {
		defer close(digested)
		digestErr <- func() error {
			defer func() {
				for range read { // let the reader finish
				}
			}()
			for b := range read {
				if err := c.src.addBatch(b); err != nil {
					cancel()
					return err
				}
				select {
				case digested <- b:
				case <-rctx.Done():
					return nil
				}
			}
			return nil
		}()
	}()
	for b := range digested {
		rep.Batches++
		rep.Read += len(b.Memories)
		if !c.opts.DryRun && !b.Empty() {
			b.Op = "migrate"
			if err := w.write(ctx, b); err != nil {
				cancel()
				for range digested { // let the reader and the digest finish
				}
				return err
			}
		}
		if c.opts.OnBatch != nil {
			c.opts.OnBatch(*rep)
		}
	}
	if err := <-digestErr; err != nil {
		return fmt.Errorf("reading the source: %w", err)
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("reading the source: %w", err)
	}
	return nil
}

// writer applies pages to the destination and counts what it took.
type writer struct {
	apply memory.ApplyFunc // the destination's Apply, or its bulk load's
	to    memory.Store     // for look-ups when the destination was not empty
	rep   *Report
	fresh bool // the destination was empty when the run began
}

// apply writes b, bisecting on invalid rows so the valid ones still land.
func (w *writer) write(ctx context.Context, b *memory.Batch) error {
	archived, err := w.archivedToApply(ctx, b)
	if err != nil {
		return err
	}
	res, err := w.apply(ctx, b)
	if err == nil {
		w.rep.Written += res.Memories
		w.rep.Links += res.Links
		w.rep.Records += res.Records
		w.rep.Archived += archived
		return nil
	}
	if code := memory.ErrorCode(err); code != memory.CodeInvalid && code != memory.CodeTooLarge {
		return err
	}
	if len(b.Memories)+len(b.Links)+len(b.Records) == 1 {
		w.rep.Errors = append(w.rep.Errors, err.Error())
		return nil
	}
	first, second := split(b)
	if err := w.write(ctx, first); err != nil {
		return err
	}
	return w.write(ctx, second)
}

// archivedToApply counts the archived memories of b that the destination
// will take. Apply reports only totals, so the archived share is decided
// beforehand: into a destination that began empty, each row of the feed
// is new (the feed lists a row once, at its latest change); otherwise each
// archived row is looked up and counted if absent or older there.
func (w *writer) archivedToApply(ctx context.Context, b *memory.Batch) (int, error) {
	n := 0
	for i := range b.Memories {
		m := &b.Memories[i]
		if m.State != memory.StateArchived {
			continue
		}
		if w.fresh {
			n++
			continue
		}
		got, err := w.to.GetMemory(ctx, m.ID)
		switch {
		case memory.IsNotFound(err):
			n++
		case err != nil:
			return 0, err
		case memory.Newer(m.Version, m.Origin, got.Version, got.Origin):
			n++
		}
	}
	return n, nil
}

// split halves a batch, keeping each row kind in order.
func split(b *memory.Batch) (*memory.Batch, *memory.Batch) {
	var rows []func(*memory.Batch)
	for _, m := range b.Memories {
		rows = append(rows, func(x *memory.Batch) { x.Memories = append(x.Memories, m) })
	}
	for _, l := range b.Links {
		rows = append(rows, func(x *memory.Batch) { x.Links = append(x.Links, l) })
	}
	for _, r := range b.Records {
		rows = append(rows, func(x *memory.Batch) { x.Records = append(x.Records, r) })
	}
	first, second := &memory.Batch{Op: b.Op}, &memory.Batch{Op: b.Op}
	for i, add := range rows {
		if i < len(rows)/2 {
			add(first)
		} else {
			add(second)
		}
	}
	return first, second
}

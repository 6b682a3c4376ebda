// Package migrate copies everything one store holds into another: memories
// in every state (archived and tombstoned too), links and records. It
// streams the source's change feed a page at a time and applies each page
// to the destination as one batch, so memory stays bounded, a crash leaves
// the destination consistent (each batch is one transaction) and a re-run
// completes the copy: last-writer-wins makes re-applied rows no-ops. Into
// an empty destination the whole copy is one transaction instead, through
// the store's bulk path (LoadEmpty: COPY into PostgreSQL, multi-row
// upserts into SQLite): a crash leaves it empty, and a re-run copies
// everything.
package migrate

import (
	"context"
	"fmt"
	"net/url"

	memory "github.com/aimemory/ai-memory"
)

// DefaultBatch is the page size when Options.Batch is zero.
const DefaultBatch = 1000

// Source is what a run reads: a change feed, and memories by id (to judge
// the links of a namespace-limited run). Every memory.Store is one; so is a
// database of the original ai-memory opened by package original.
type Source interface {
	Changes(ctx context.Context, afterSeq int64, limit int) (memory.ChangeSet, error)
	GetMemory(ctx context.Context, id string) (*memory.Memory, error)
}

// Options control a run.
type Options struct {
	// Batch is the number of rows per page and per destination transaction.
	// Stores return at most 1000 rows a page, so larger values act as 1000.
	Batch int
	// Namespace limits the copy to memories of that namespace and links
	// whose source memory is in it; records are not copied then.
	Namespace string
	// DryRun reads and counts but writes nothing.
	DryRun bool
	// SourceRowsOnly limits the destination digest to the rows the source
	// listed, for a copy into a store that holds other data too (an
	// import). Without it the digest covers the whole destination.
	SourceRowsOnly bool
	// FromURL and ToURL are shown in the report (passwords redacted).
	FromURL, ToURL string
	// OnBatch, when set, sees the report after every page is written
	// (progress output) and, when the copy is one transaction (into an
	// empty store), once more after its commit: the last call marks the
	// end of the copy.
	OnBatch func(Report)
}

// Report is the outcome of a run: the fields of the `migrate --json`
// contract (docs/upstream-history.md) plus counts of links, records and
// archived memories and a content digest of both sides.
type Report struct {
	Batches  int      `json:"batches"`
	DryRun   bool     `json:"dry_run"`
	Errors   []string `json:"errors"`
	FromURL  string   `json:"from_url"`
	ToURL    string   `json:"to_url"`
	Read     int      `json:"memories_read"`
	Written  int      `json:"memories_written"` // rows the destination applied
	Links    int      `json:"links"`            // links applied
	Records  int      `json:"records"`          // records applied
	Archived int      `json:"archive"`          // archived memories applied
	// ContentDigest fingerprints the selected rows on each side (see Digest);
	// equal digests mean the destination holds what the source holds.
	ContentDigest Digests `json:"content_digest"`
	// Kinds has the row count and digest of each kind of row (see KindOf)
	// on both sides.
	Kinds map[string]KindDigests `json:"kinds"`
}

// KindDigests compares one kind of row on both sides.
type KindDigests struct {
	SourceRows      int    `json:"source_rows"`
	DestinationRows int    `json:"destination_rows"`
	Source          string `json:"source"`
	Destination     string `json:"destination"`
}

// Match reports whether both sides hold the same rows of the kind.
func (k KindDigests) Match() bool {
	return k.Source == k.Destination && k.SourceRows == k.DestinationRows
}

// compareKinds fills r.Kinds from the two sides' digests; a kind present on
// one side only shows the empty digest on the other.
func (r *Report) compareKinds(src, dst *digestSet) {
	r.Kinds = map[string]KindDigests{}
	var empty digest
	for _, side := range []*digestSet{src, dst} {
		for k := range side.kinds {
			r.Kinds[k] = KindDigests{Source: empty.String(), Destination: empty.String()}
		}
	}
	for k, d := range src.kinds {
		kd := r.Kinds[k]
		kd.SourceRows, kd.Source = int(d.rows), d.String()
		r.Kinds[k] = kd
	}
	for k, d := range dst.kinds {
		kd := r.Kinds[k]
		kd.DestinationRows, kd.Destination = int(d.rows), d.String()
		r.Kinds[k] = kd
	}
}

// Digests is the pair compared at the end of a run.
type Digests struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// Match reports whether both sides hold the same rows.
func (d Digests) Match() bool { return d.Source != "" && d.Source == d.Destination }

// Run copies from → to. Rows the destination rejects as invalid or too
// large are isolated (the batch is split until the bad row stands alone),
// reported in Errors and skipped, so one bad row costs one row. Any other
// failure stops the run; the error is also in Errors, and a re-run picks up
// where it is needed. The report is filled in either way.
func Run(ctx context.Context, from Source, to memory.Store, opts Options) (Report, error) {
	if opts.Batch == 0 {
		opts.Batch = DefaultBatch
	}
	rep := Report{DryRun: opts.DryRun, Errors: []string{}, FromURL: redact(opts.FromURL), ToURL: redact(opts.ToURL),
		Kinds: map[string]KindDigests{}}
	if opts.Batch < 0 || opts.Batch > 100_000 {
		err := memory.Errorf(memory.CodeInvalid, "batch %d: want 1..100000", opts.Batch)
		rep.Errors = append(rep.Errors, err.Error())
		return rep, err
	}
	if opts.Namespace != "" {
		if err := memory.ValidateNamespace(opts.Namespace); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
			return rep, err
		}
	}
	sel := selector{namespace: opts.Namespace}
	src := &digestSet{}
	var listed rowKeys
	if opts.SourceRowsOnly {
		listed = rowKeys{}
	}
	fail := func(err error) (Report, error) {
		rep.Errors = append(rep.Errors, err.Error())
		return rep, err
	}
	c := copier{from: from, sel: sel, src: src, listed: listed, opts: opts, rep: &rep}
	loaded, err := c.loadEmpty(ctx, to)
	if err != nil {
		return fail(err)
	}
	if !loaded {
		// Into an empty destination every row is new, so the archived
		// count needs no look-ups (see archivedToApply).
		existing, err := to.Changes(ctx, 0, 1)
		if err != nil {
			return fail(fmt.Errorf("migrate: destination: %w", err))
		}
		w := &writer{apply: to.Apply, to: to, rep: &rep, fresh: existing.Empty()}
		if err := c.copyAll(ctx, w); err != nil {
			return fail(fmt.Errorf("migrate: %w", err))
		}
	}
	rep.ContentDigest.Source = src.all.String()
	dsel := sel
	dsel.keys = listed
	dst, err := digestOf(ctx, to, dsel, opts.Batch)
	if err != nil {
		return fail(fmt.Errorf("migrate: destination digest: %w", err))
	}
	rep.ContentDigest.Destination = dst.all.String()
	rep.compareKinds(src, dst)
	return rep, nil
}

// redact hides a password in a URL; other strings (paths) pass unchanged.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

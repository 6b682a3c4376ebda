package engine

import (
	"context"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Export is the lossless JSON form of a store: active and archived memories
// with their versions, live links and records. Import of an export into an
// empty store reproduces it exactly.
type Export struct {
	Memories   []memory.Memory `json:"memories"`
	Links      []memory.Link   `json:"links"`
	Records    []memory.Record `json:"records,omitempty"`
	Count      int             `json:"count"`
	ExportedAt time.Time       `json:"exported_at"`
}

// exportPage is the change-feed page size used to walk the store.
const exportPage = 1000

// Export walks the whole change feed; deleted rows are left out.
func (e *Engine) Export(ctx context.Context, namespace string) (*Export, error) {
	out := &Export{Memories: []memory.Memory{}, Links: []memory.Link{}, ExportedAt: e.Now()}
	keep := map[string]bool{}
	var links []memory.Link
	for seq := int64(0); ; {
		cs, err := e.store.Changes(ctx, seq, exportPage)
		if err != nil {
			return nil, err
		}
		for _, m := range cs.Memories {
			if m.State != memory.StateDeleted && (namespace == "" || m.Namespace == namespace) {
				out.Memories = append(out.Memories, m)
				keep[m.ID] = true
			}
		}
		for _, l := range cs.Links {
			if !l.Deleted {
				links = append(links, l)
			}
		}
		if namespace == "" {
			for _, r := range cs.Records {
				if !r.Deleted {
					out.Records = append(out.Records, r)
				}
			}
		}
		if !cs.More {
			break
		}
		seq = cs.NextSeq
	}
	for _, l := range links {
		if keep[l.SourceID] || keep[l.TargetID] {
			out.Links = append(out.Links, l)
		}
	}
	out.Count = len(out.Memories)
	return out, nil
}

// ImportResult reports an import.
type ImportResult struct {
	Imported int      `json:"imported"`
	Links    int      `json:"links"`
	Records  int      `json:"records"`
	Errors   []string `json:"errors"`
}

// Import applies an export. Rows keep their ids and versions, so importing
// the same file twice changes nothing and an older export never overwrites
// newer data. Invalid memories are reported and skipped, the rest applied.
func (e *Engine) Import(ctx context.Context, x *Export) (ImportResult, error) {
	res := ImportResult{Errors: []string{}}
	if len(x.Memories)+len(x.Links)+len(x.Records) > memory.MaxBatchItems*10 {
		return res, memory.Errorf(memory.CodeTooLarge, "import holds more than %d rows; split it", memory.MaxBatchItems*10)
	}
	b := &memory.Batch{Op: "import"}
	for i, m := range x.Memories {
		if err := importable(&m); err != nil {
			res.Errors = append(res.Errors, itemError(i, err).Error())
			continue
		}
		b.Memories = append(b.Memories, m)
	}
	for _, l := range x.Links {
		if l.Relation.Valid() && memory.ValidID(l.SourceID) && memory.ValidID(l.TargetID) {
			b.Links = append(b.Links, l)
		} else {
			res.Errors = append(res.Errors, "link "+l.SourceID+" -> "+l.TargetID+": invalid")
		}
	}
	b.Records = x.Records
	e.clock.Observe(maxVersion(b))
	applied, err := e.store.Apply(ctx, b)
	res.Imported, res.Links, res.Records = applied.Memories, applied.Links, applied.Records
	if err != nil {
		return res, err
	}
	if e.repl != nil {
		return res, e.repl.Replicate(ctx, b)
	}
	return res, nil
}

// importable checks an imported memory, filling what old exports lack.
func importable(m *memory.Memory) error {
	if !memory.ValidID(m.ID) {
		return memory.Errorf(memory.CodeInvalid, "id %q is not a valid id", m.ID)
	}
	if m.State == "" {
		m.State = memory.StateActive
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	if m.Version == 0 {
		m.Version = memory.MakeHLC(m.UpdatedAt.UnixMilli(), 0)
	}
	if m.State == memory.StateDeleted {
		return nil
	}
	return memory.Validate(m)
}

func maxVersion(b *memory.Batch) memory.HLC {
	var v memory.HLC
	for i := range b.Memories {
		v = maxHLC(v, b.Memories[i].Version)
	}
	for i := range b.Links {
		v = maxHLC(v, b.Links[i].Version)
	}
	for i := range b.Records {
		v = maxHLC(v, b.Records[i].Version)
	}
	return v
}

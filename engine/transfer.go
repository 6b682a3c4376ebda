package engine

import (
	"context"
	"sort"
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

// Export walks the whole change feed; deleted rows are left out. Memory
// use grows with the store: it is meant for stores that fit in memory
// (migrate streams instead).
func (e *Engine) Export(ctx context.Context, namespace string) (*Export, error) {
	out := &Export{Memories: []memory.Memory{}, Links: []memory.Link{}, ExportedAt: e.Now()}
	mems := map[string]memory.Memory{}
	links := map[string]memory.Link{}
	recs := map[string]memory.Record{}
	for seq := int64(0); ; {
		cs, err := e.store.Changes(ctx, seq, exportPage)
		if err != nil {
			return nil, err
		}
		// A row changed during the walk appears again at a later sequence;
		// the later copy replaces the earlier one.
		for _, m := range cs.Memories {
			mems[m.ID] = m
		}
		for _, l := range cs.Links {
			links[linkKey(l)] = l
		}
		for _, r := range cs.Records {
			recs[r.Kind+"\x00"+r.Key] = r
		}
		if !cs.More {
			break
		}
		seq = cs.NextSeq
	}
	keep := map[string]bool{}
	for _, m := range mems {
		if m.State != memory.StateDeleted && (namespace == "" || m.Namespace == namespace) {
			out.Memories = append(out.Memories, m)
			keep[m.ID] = true
		}
	}
	for _, l := range links {
		if !l.Deleted && (keep[l.SourceID] || keep[l.TargetID]) {
			out.Links = append(out.Links, l)
		}
	}
	if namespace == "" {
		for _, r := range recs {
			if !r.Deleted {
				out.Records = append(out.Records, r)
			}
		}
	}
	sortExport(out)
	out.Count = len(out.Memories)
	return out, nil
}

func linkKey(l memory.Link) string {
	return l.SourceID + "\x00" + l.TargetID + "\x00" + string(l.Relation)
}

// sortExport orders rows by key so the same data exports byte-identically.
func sortExport(x *Export) {
	sort.Slice(x.Memories, func(i, j int) bool { return x.Memories[i].ID < x.Memories[j].ID })
	sort.Slice(x.Links, func(i, j int) bool { return linkKey(x.Links[i]) < linkKey(x.Links[j]) })
	sort.Slice(x.Records, func(i, j int) bool {
		a, b := x.Records[i], x.Records[j]
		return a.Kind < b.Kind || a.Kind == b.Kind && a.Key < b.Key
	})
}

// ImportResult reports an import.
type ImportResult struct {
	Imported int      `json:"imported"`
	Links    int      `json:"links"`
	Records  int      `json:"records"`
	Errors   []string `json:"errors"`
	// Acks counts the nodes holding the import, this one included; 0
	// without federation.
	Acks int `json:"-"`
}

// Import applies an export. Rows keep their ids and versions, so importing
// the same file twice changes nothing and an older export never overwrites
// newer data. Invalid memories are reported and skipped, the rest applied.
func (e *Engine) Import(ctx context.Context, x *Export) (ImportResult, error) {
	res := ImportResult{Errors: []string{}}
	if len(x.Memories)+len(x.Links)+len(x.Records) > memory.MaxBatchItems*10 {
		return res, memory.Errorf(memory.CodeTooLarge, "import holds more than %d rows; split it", memory.MaxBatchItems*10)
	}
	b := &memory.Batch{}
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
	r, err := e.commit(ctx, opImport, b) // imported rows keep their versions
	res.Imported, res.Links, res.Records, res.Acks = r.applied.Memories, r.applied.Links, r.applied.Records, r.acks
	return res, err
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

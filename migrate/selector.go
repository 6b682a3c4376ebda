package migrate

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// selector picks the rows of a namespace-limited run: memories of the
// namespace and links whose source memory is in it. With keys it picks only
// the rows whose keys are in the set (see rowKeys). Without either it
// passes everything.
type selector struct {
	namespace string
	keys      rowKeys
}

// rowKeys is a set of row identities: memory ids, link and record keys.
type rowKeys map[string]bool

func memoryKey(m *memory.Memory) string { return "m\x00" + m.ID }
func linkKey(l *memory.Link) string {
	return "l\x00" + l.SourceID + "\x00" + l.TargetID + "\x00" + string(l.Relation)
}
func recordKey(r *memory.Record) string { return "r\x00" + r.Kind + "\x00" + r.Key }

// add puts every row of b in the set.
func (k rowKeys) add(b *memory.Batch) {
	for i := range b.Memories {
		k[memoryKey(&b.Memories[i])] = true
	}
	for i := range b.Links {
		k[linkKey(&b.Links[i])] = true
	}
	for i := range b.Records {
		k[recordKey(&b.Records[i])] = true
	}
}

// only returns the rows of b whose keys are in the set.
func (k rowKeys) only(b *memory.Batch) *memory.Batch {
	out := &memory.Batch{Op: b.Op}
	for i := range b.Memories {
		if k[memoryKey(&b.Memories[i])] {
			out.Memories = append(out.Memories, b.Memories[i])
		}
	}
	for i := range b.Links {
		if k[linkKey(&b.Links[i])] {
			out.Links = append(out.Links, b.Links[i])
		}
	}
	for i := range b.Records {
		if k[recordKey(&b.Records[i])] {
			out.Records = append(out.Records, b.Records[i])
		}
	}
	return out
}

// filter returns the selected rows of b. Links are judged by looking their
// source up in s, since a link may come before its memory in the feed.
func (sel selector) filter(ctx context.Context, s Source, b *memory.Batch) (*memory.Batch, error) {
	if sel.keys != nil {
		b = sel.keys.only(b)
	}
	if sel.namespace == "" {
		return b, nil
	}
	out := &memory.Batch{}
	for _, m := range b.Memories {
		if m.Namespace == sel.namespace {
			out.Memories = append(out.Memories, m)
		}
	}
	for _, l := range b.Links {
		src, err := s.GetMemory(ctx, l.SourceID)
		if memory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if src.Namespace == sel.namespace {
			out.Links = append(out.Links, l)
		}
	}
	return out, nil
}

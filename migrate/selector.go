package migrate

import (
	"context"

	memory "github.com/aimemory/ai-memory"
)

// selector picks the rows of a namespace-limited run: memories of the
// namespace and links whose source memory is in it. Without a namespace it
// passes everything.
type selector struct {
	namespace string
}

// filter returns the selected rows of b. Links are judged by looking their
// source up in s, since a link may come before its memory in the feed.
func (sel selector) filter(ctx context.Context, s memory.Store, b *memory.Batch) (*memory.Batch, error) {
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

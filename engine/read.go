package engine

import (
	"context"
	"unicode/utf8"

	memory "github.com/aimemory/ai-memory"
)

// Page sizes. List pages must be able to reach every row, so callers page
// with the returned cursor until More is false.
const (
	DefaultListLimit   = 100
	MaxListLimit       = 1000
	DefaultSearchLimit = 20
	MaxSearchLimit     = 200
	DefaultRecallLimit = 10
	MaxRecallLimit     = 50
)

// ListResult is one page of memories.
type ListResult struct {
	Memories   []memory.Memory `json:"memories"`
	Count      int             `json:"count"`
	HasMore    bool            `json:"has_more"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// List returns a page of unexpired active memories (unless q.States says
// otherwise) ordered by id. q.AfterID is the cursor.
func (e *Engine) List(ctx context.Context, q memory.ListQuery) (ListResult, error) {
	if err := checkFilters(&q); err != nil {
		return ListResult{}, err
	}
	q.Limit = clampLimit(q.Limit, DefaultListLimit, MaxListLimit)
	if q.Now.IsZero() {
		q.Now = e.Now()
	}
	mems, more, err := e.store.ListMemories(ctx, q)
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{Memories: nonNil(mems), Count: len(mems), HasMore: more}
	if more && len(mems) > 0 {
		res.NextCursor = mems[len(mems)-1].ID
	}
	return res, nil
}

// SearchResult is the answer of Search.
type SearchResult struct {
	Results []memory.SearchHit `json:"results"`
	Count   int                `json:"count"`
	Query   string             `json:"query"`
}

// Search is a keyword query: every term must match (AND), best BM25 first.
func (e *Engine) Search(ctx context.Context, text string, q memory.ListQuery) (SearchResult, error) {
	terms, err := queryTerms(text)
	if err != nil {
		return SearchResult{}, err
	}
	if err := checkFilters(&q); err != nil {
		return SearchResult{}, err
	}
	q.Limit = clampLimit(q.Limit, DefaultSearchLimit, MaxSearchLimit)
	q.Now = e.Now()
	hits, err := e.store.Search(ctx, memory.SearchQuery{ListQuery: q, Terms: terms, MatchAll: true})
	if err != nil {
		return SearchResult{}, err
	}
	if hits == nil {
		hits = []memory.SearchHit{}
	}
	return SearchResult{Results: hits, Count: len(hits), Query: text}, nil
}

func queryTerms(text string) ([]string, error) {
	if utf8.RuneCountInString(text) > 1000 {
		return nil, memory.Errorf(memory.CodeInvalid, "query longer than 1000 characters")
	}
	terms := memory.Terms(text)
	if len(terms) == 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "query %q has no searchable words", text)
	}
	return terms, nil
}

// checkFilters validates the user-controlled parts of a query.
func checkFilters(q *memory.ListQuery) error {
	if q.Namespace != "" {
		if err := memory.ValidateNamespace(q.Namespace); err != nil {
			return err
		}
	}
	if q.Tier != "" && !q.Tier.Valid() {
		return memory.Errorf(memory.CodeInvalid, "tier %q: want short, mid or long", q.Tier)
	}
	if q.Limit < 0 || q.Offset < 0 {
		return memory.Errorf(memory.CodeInvalid, "limit and offset must not be negative")
	}
	if q.AfterID != "" && !memory.ValidID(q.AfterID) {
		return memory.Errorf(memory.CodeInvalid, "cursor %q is not valid", q.AfterID)
	}
	if q.MinPriority < 0 || q.MinPriority > memory.MaxPriority {
		return memory.Errorf(memory.CodeInvalid, "min priority %d: want 0..%d", q.MinPriority, memory.MaxPriority)
	}
	if len(q.Tags) > memory.MaxTags {
		return memory.Errorf(memory.CodeInvalid, "%d tag filters; the limit is %d", len(q.Tags), memory.MaxTags)
	}
	return nil
}

func clampLimit(n, def, max int) int {
	if n == 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

package sqlite

import (
	"context"
	"fmt"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Column weights for bm25, in the order of memories_fts (title, content,
// tags). A word in the title says more about what a memory is than the same
// word somewhere in its body, so the title weighs 10, tags 3, content 1.
// Relevance is -bm25, so higher is better and a typical hit scores 1..30.
const relevanceSQL = "-bm25(memories_fts, 10.0, 1.0, 3.0)"

// Search runs a full-text query over active memories, best first, ties by id.
func (s *Store) Search(ctx context.Context, q memory.SearchQuery) ([]memory.SearchHit, error) {
	match := matchExpr(q.Terms, q.MatchAll)
	if match == "" {
		return nil, nil
	}
	w := filters(&q.ListQuery)
	query := "SELECT " + memoryColumns("m") + ", " + relevanceSQL + " AS relevance" +
		" FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid" +
		" WHERE memories_fts MATCH ? AND " + strings.Join(w.conds, " AND ") +
		" ORDER BY relevance DESC, m.id LIMIT ? OFFSET ?"
	args := append([]any{match}, w.args...)
	args = append(args, pageLimit(q.Limit), max(q.Offset, 0))
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []memory.SearchHit
	for rows.Next() {
		var h memory.SearchHit
		if h.Memory, err = scanMemory(rows, &h.Relevance); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return hits, nil
}

// matchExpr quotes every term as an FTS5 string, so no user text is ever
// read as query syntax, and joins them with AND (space) or OR.
func matchExpr(terms []string, all bool) string {
	quoted := make([]string, 0, len(terms))
	for _, t := range terms {
		if t == "" {
			continue
		}
		quoted = append(quoted, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	sep := " OR "
	if all {
		sep = " "
	}
	return strings.Join(quoted, sep)
}

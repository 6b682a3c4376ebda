package postgres

import (
	"context"
	"fmt"
	"strconv"

	memory "github.com/aimemory/ai-memory"
)

// rankSQL scores a match like the SQLite store weighs its columns (title
// 10, tags 3, content 1): ts_rank_cd with weights {D, C, B, A} = {0, 0.3,
// 0.1, 1} counts each covering occurrence at its column's weight, and the
// factor 10 puts one title hit at 10, in the range of SQLite's -bm25 (a
// typical hit scores 1..30). Recall adds priority and recency to this, so
// both backends weigh text match against them alike; the numbers are
// comparable in size, not identical.
const rankSQL = `ts_rank_cd('{0, 0.3, 0.1, 1}', fts, %s) * 10`

// Search runs a full-text query: every term (MatchAll) or any term, over
// title (weight A), content (B) and tags (C), best first, ties by id.
func (s *Store) Search(ctx context.Context, q memory.SearchQuery) ([]memory.SearchHit, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	query := ftsQuery(q.Terms, q.MatchAll)
	if query == "" {
		return nil, nil
	}
	w, err := listFilters(q.ListQuery)
	if err != nil {
		return nil, err
	}
	if q.AfterID != "" {
		w.add("id > ?", q.AfterID)
	}
	w.args = append(w.args, query)
	// The query is a parameter: user text never becomes SQL, and ftsQuery
	// quotes every lexeme so it never becomes tsquery syntax either.
	tsq := "$" + strconv.Itoa(len(w.args)) + "::tsquery"
	w.conds = append(w.conds, "fts @@ "+tsq)
	tail := ""
	w.args = append(w.args, memory.PageLimit(q.Limit))
	tail += " LIMIT $" + strconv.Itoa(len(w.args))
	if q.Offset > 0 {
		w.args = append(w.args, q.Offset)
		tail += " OFFSET $" + strconv.Itoa(len(w.args))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+memoryColumns+`, `+fmt.Sprintf(rankSQL, tsq)+` AS relevance
		FROM memories`+w.sql()+` ORDER BY relevance DESC, id`+tail, w.args...)
	if err != nil {
		return nil, s.wrap(ctx, "search", err)
	}
	defer rows.Close()
	var hits []memory.SearchHit
	for rows.Next() {
		var h memory.SearchHit
		if h.Memory, err = scanMemory(rows, &h.Relevance); err != nil {
			return nil, s.wrap(ctx, "search", err)
		}
		hits = append(hits, h)
	}
	return hits, s.wrap(ctx, "search", rows.Err())
}

package postgres

import (
	"context"
	"strconv"

	memory "github.com/aimemory/ai-memory"
)

// relevanceScale brings ts_rank_cd (about 0.1 per weighted title match on
// short texts) into the range of SQLite's -bm25 (a few units), so recall
// scores weigh text match against priority and recency alike on both
// backends. The backends rank the same documents in a similar order; the
// numbers are comparable in size, not identical.
const relevanceScale = 10

// Search runs a full-text query: every term (MatchAll) or any term, over
// title (weight A), content (B) and tags (C), best first, ties by id.
func (s *Store) Search(ctx context.Context, q memory.SearchQuery) ([]memory.SearchHit, error) {
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
	w.args = append(w.args, pageLimit(q.Limit))
	tail += " LIMIT $" + strconv.Itoa(len(w.args))
	if q.Offset > 0 {
		w.args = append(w.args, q.Offset)
		tail += " OFFSET $" + strconv.Itoa(len(w.args))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+memoryColumns+`, ts_rank_cd(fts, `+tsq+`) * `+strconv.Itoa(relevanceScale)+` AS relevance
		FROM memories`+w.sql()+` ORDER BY relevance DESC, id`+tail, w.args...)
	if err != nil {
		return nil, wrap("search", err)
	}
	defer rows.Close()
	var hits []memory.SearchHit
	for rows.Next() {
		var h memory.SearchHit
		if h.Memory, err = scanMemory(rows, &h.Relevance); err != nil {
			return nil, wrap("search", err)
		}
		hits = append(hits, h)
	}
	return hits, wrap("search", rows.Err())
}

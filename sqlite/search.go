package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Search runs a full-text query over active memories, best first, ties by id.
func (s *Store) Search(ctx context.Context, q memory.SearchQuery) ([]memory.SearchHit, error) {
	terms := slices.DeleteFunc(slices.Clone(q.Terms), func(t string) bool { return t == "" })
	if len(terms) == 0 || !wantsActive(q.States) {
		return nil, nil // the index holds active memories only
	}
	limit, offset := memory.PageLimit(q.Limit), max(q.Offset, 0)
	// One snapshot for ranking and reading: a row changed in between must
	// not come back with another state or a stale score.
	r, err := s.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.tx.Rollback()
	if indexFilters(&q.ListQuery) {
		return s.searchTopK(r, terms, q.MatchAll, &q.ListQuery, limit, offset)
	}
	if !q.MatchAll && len(terms) > 1 {
		if terms, err = s.keepMeaningful(r, terms); err != nil {
			return nil, err
		}
	}
	return r.searchJoined(matchExpr(terms, q.MatchAll), &q.ListQuery, limit, offset)
}

// keepMeaningful drops the OR terms dropCommon rejects.
func (s *Store) keepMeaningful(r *reader, terms []string) ([]string, error) {
	exprs := make([]string, len(terms))
	for i, t := range terms {
		exprs[i] = quote(t)
	}
	info, err := s.terms.lookup(r.ctx, s, exprs)
	if err != nil {
		return nil, err
	}
	cs, err := r.readCorpusStats()
	if err != nil {
		return nil, err
	}
	var out []string
	for i, k := range dropCommon(cs.rows, info) {
		if k {
			out = append(out, terms[i])
		}
	}
	return out, nil
}

func wantsActive(states []memory.State) bool {
	return len(states) == 0 || slices.Contains(states, memory.StateActive)
}

// indexFilters reports whether q filters on nothing the full-text index
// cannot narrow to (namespace, which it holds as a token) or check on the
// few rows it reads (state, expiry): then searchTopK ranks the best
// matches without joining every match.
func indexFilters(q *memory.ListQuery) bool {
	return q.Tier == "" && len(q.Tags) == 0 && q.AgentID == "" &&
		q.MinPriority <= 0 && q.Since == nil && q.Until == nil
}

// candidate is a ranked match before its row is read.
type candidate struct {
	rowid int64
	id    string
	rel   float64
}

// readHits reads the whole rows of a ranked page, keeping its order.
func (r *reader) readHits(page []candidate) ([]memory.SearchHit, error) {
	if len(page) == 0 {
		return nil, nil
	}
	rowids := make([]int64, len(page))
	at := make(map[int64]int, len(page))
	for i, c := range page {
		rowids[i], at[c.rowid] = c.rowid, i
	}
	hits := make([]memory.SearchHit, len(page))
	err := r.eachCandidate(rowids, memoryColumns("m"), &where{}, func(sc scanner, rowid *int64) error {
		m, err := scanMemory(sc)
		if err != nil {
			return err
		}
		i := at[*rowid]
		hits[i] = memory.SearchHit{Memory: m, Relevance: page[i].rel}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}

// eachCandidate reads columns of the memories with the given rowids that
// pass w. fn scans the columns; *rowid holds the row's rowid once it has.
// CROSS JOIN fixes the join order: SQLite walks the few rowids instead of
// scanning the state index and probing the list for every row.
func (r *reader) eachCandidate(rowids []int64, columns string, w *where, fn func(sc scanner, rowid *int64) error) error {
	list, err := json.Marshal(rowids)
	if err != nil {
		return err
	}
	rows, err := r.query("SELECT c.value, "+columns+" FROM json_each(?) AS c"+
		" CROSS JOIN memories m ON m.rowid = c.value"+w.sql(), append([]any{string(list)}, w.args...)...)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var rowid int64
	for rows.Next() {
		if err := fn(rowScanner{rows, &rowid}, &rowid); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	return nil
}

// rowScanner scans the leading rowid column into *rowid, then the rest.
type rowScanner struct {
	rows  *sql.Rows
	rowid *int64
}

func (r rowScanner) Scan(dest ...any) error { return r.rows.Scan(append([]any{r.rowid}, dest...)...) }

// searchJoined joins every match with its row to filter, ranks the
// survivors by relevance and id, and reads whole rows for the page only, so
// the sort carries ids and scores, not contents.
func (r *reader) searchJoined(match string, q *memory.ListQuery, limit, offset int) ([]memory.SearchHit, error) {
	w := filters(q)
	query := "SELECT m.rowid, m.id, " + relevanceSQL + " AS relevance" +
		" FROM memories_fts CROSS JOIN memories m ON m.rowid = memories_fts.rowid" +
		" WHERE memories_fts MATCH ? AND " + strings.Join(w.conds, " AND ") +
		" ORDER BY relevance DESC, m.id LIMIT ? OFFSET ?"
	args := append([]any{match}, w.args...)
	rows, err := r.query(query, append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var page []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.rowid, &c.id, &c.rel); err != nil {
			rows.Close()
			return nil, err
		}
		page = append(page, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return r.readHits(page)
}

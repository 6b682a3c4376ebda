package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
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
	terms := slices.DeleteFunc(slices.Clone(q.Terms), func(t string) bool { return t == "" })
	if len(terms) == 0 || !wantsActive(q.States) {
		return nil, nil // the index holds active memories only
	}
	if !q.MatchAll && len(terms) > 1 {
		var err error
		if terms, err = s.terms.dropCommon(ctx, s, terms); err != nil {
			return nil, err
		}
	}
	match := matchExpr(terms, q.MatchAll)
	limit, offset := memory.PageLimit(q.Limit), max(q.Offset, 0)
	// One snapshot for ranking and reading: a row changed in between must
	// not come back with another state or a stale score.
	r, err := s.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.tx.Rollback()
	if onlyLiveness(&q.ListQuery) && offset+limit <= MaxLimit {
		hits, exact, err := r.searchIndexFirst(match, &q.ListQuery, limit, offset)
		if err != nil || exact {
			return hits, err
		}
	}
	return r.searchJoined(match, &q.ListQuery, limit, offset)
}

func wantsActive(states []memory.State) bool {
	return len(states) == 0 || slices.Contains(states, memory.StateActive)
}

// onlyLiveness reports whether q filters on nothing but state and expiry,
// which rarely remove an indexed row: then ranking inside the index first
// and reading the few best rows beats joining every match.
func onlyLiveness(q *memory.ListQuery) bool {
	return q.Namespace == "" && q.Tier == "" && len(q.Tags) == 0 && q.AgentID == "" &&
		q.MinPriority <= 0 && q.Since == nil && q.Until == nil
}

// searchIndexFirst ranks matches inside the FTS index, without touching the
// memories table, keeps the best k, filters those by id and expiry, and
// reads whole rows only for the page it returns. The answer is exact when
// the index had no more than k matches, or when enough rows scoring
// strictly above the k-th survive the filters (any row not read scores at
// most that much). Otherwise exact is false and the caller falls back to
// searchJoined.
func (r *reader) searchIndexFirst(match string, q *memory.ListQuery, limit, offset int) (hits []memory.SearchHit, exact bool, err error) {
	need := offset + limit
	k := max(2*need, 50)
	rows, err := r.query("SELECT rowid, "+relevanceSQL+" AS relevance FROM memories_fts"+
		" WHERE memories_fts MATCH ? ORDER BY relevance DESC LIMIT ?", match, k)
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	relevance := map[int64]float64{}
	var rowids []int64
	cutoff := 0.0
	for rows.Next() {
		var rowid int64
		if err := rows.Scan(&rowid, &cutoff); err != nil {
			rows.Close()
			return nil, false, err
		}
		relevance[rowid] = cutoff
		rowids = append(rowids, rowid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	if len(rowids) == 0 {
		return nil, true, nil
	}
	complete := len(rowids) < k

	var live []candidate
	above := 0
	w := filters(q)
	err = r.eachCandidate(rowids, "m.id", w, func(sc scanner, rowid *int64) error {
		var c candidate
		if err := sc.Scan(&c.id); err != nil {
			return err
		}
		c.rowid, c.rel = *rowid, relevance[*rowid]
		if c.rel > cutoff {
			above++
		}
		live = append(live, c)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !complete && above < need {
		return nil, false, nil
	}
	slices.SortFunc(live, func(a, b candidate) int {
		if c := cmp.Compare(b.rel, a.rel); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	if offset >= len(live) {
		return nil, true, nil
	}
	hits, err = r.readHits(live[offset:min(need, len(live))])
	return hits, err == nil, err
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

// matchExpr quotes every term as an FTS5 string, so no user text is ever
// read as query syntax, and joins them with AND (space) or OR.
func matchExpr(terms []string, all bool) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	sep := " OR "
	if all {
		sep = " "
	}
	return strings.Join(quoted, sep)
}

package sqlite

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// termStatsTTL is how long document frequencies are trusted. They weigh
// terms and pick candidates, so a minute-old count is good enough.
const termStatsTTL = time.Minute

// maxCachedTerms bounds the cache; it starts over when full.
const maxCachedTerms = 50_000

// dfWindow bounds the work of counting a term: its oldest dfWindow matches
// are counted exactly; a term with more has its frequency estimated from
// how much of the rowid range those matches span (idf is a logarithm, so
// an estimate weighs it right). Counting costs ~130 ns a match.
const dfWindow = 1024

// titleWindow bounds how far back title matches of a common term are
// sought: among its newest titleWindow matches.
const titleWindow = 4096

// termInfo is what the index says about one term.
type termInfo struct {
	df     int64 // documents holding the term; exact unless common
	common bool  // more than dfWindow matches: df is an estimate
	// floor is where the newest titleWindow matches of a common term
	// begin, as estimated with df; 0 for a term that is not common.
	floor int64
}

// termStats caches termInfo per term (the match expression of one term).
type termStats struct {
	mu sync.Mutex
	at time.Time
	m  map[string]termInfo
}

// lookup returns the info of each match expression, counting those not
// cached. Counting runs outside the lock: two searches may count the same
// term at once, which costs a little and is harmless.
func (ts *termStats) lookup(ctx context.Context, s *Store, exprs []string) ([]termInfo, error) {
	out := make([]termInfo, len(exprs))
	var missing []int
	ts.mu.Lock()
	if time.Since(ts.at) > termStatsTTL || len(ts.m) > maxCachedTerms {
		ts.at, ts.m = time.Now(), map[string]termInfo{}
	}
	for i, e := range exprs {
		if ti, ok := ts.m[e]; ok {
			out[i] = ti
		} else {
			missing = append(missing, i)
		}
	}
	ts.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	var lo, hi int64 // the rowid range, read when a term needs an estimate
	for _, i := range missing {
		var n, ceiling int64
		// Counting through MATCH tokenizes the term exactly as the index
		// did (case and diacritics folded), so "café" counts "cafe" rows.
		// In rowid order: FTS5 iterates backwards only at extra cost.
		err := s.queryRow(ctx, "SELECT count(*), coalesce(max(rowid), 0) FROM (SELECT rowid FROM memories_fts"+
			" WHERE memories_fts MATCH ? LIMIT ?)", exprs[i], dfWindow+1).Scan(&n, &ceiling)
		if err != nil {
			return nil, fmt.Errorf("term frequency of %s: %w", exprs[i], err)
		}
		out[i] = termInfo{df: n}
		if n <= dfWindow {
			continue
		}
		if hi == 0 {
			// Two seeks at the ends of the rowid b-tree; min() and max()
			// together in one SELECT would scan the table.
			err := s.queryRow(ctx, "SELECT (SELECT rowid FROM memories ORDER BY rowid LIMIT 1),"+
				" (SELECT rowid FROM memories ORDER BY rowid DESC LIMIT 1)").Scan(&lo, &hi)
			if err != nil {
				return nil, fmt.Errorf("rowid range: %w", err)
			}
		}
		// The oldest n matches span ceiling-lo+1 rowids; assume the rest
		// of the range holds matches as densely, the newest titleWindow
		// too.
		df := n * (hi - lo + 1) / max(ceiling-lo+1, 1)
		out[i] = termInfo{df: df, common: true, floor: max(lo, hi-titleWindow*(hi-lo+1)/max(df, 1))}
	}
	ts.mu.Lock()
	for _, i := range missing {
		ts.m[exprs[i]] = out[i]
	}
	ts.mu.Unlock()
	return out, nil
}

// cached reports whether every expression's info is in the cache.
func (ts *termStats) cached(exprs []string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if time.Since(ts.at) > termStatsTTL {
		return false
	}
	for _, e := range exprs {
		if _, ok := ts.m[e]; !ok {
			return false
		}
	}
	return true
}

// minDocsForPruning keeps small stores exact: below it every OR term is
// searched, since the scan is cheap and "more than half" of a handful of
// memories is often the very word the caller is looking for.
const minDocsForPruning = 1000

// dropCommon decides which terms of an OR query to keep. bm25 gives a term
// in more than half of the documents an inverse document frequency of zero
// (FTS5 clamps it to 1e-6): such a word adds nothing to any score, yet
// matching it would make nearly every row a candidate. Recall sends whole
// sentences, so "the" or "is" would be such words. It drops them and the
// terms found nowhere; if that leaves nothing, it keeps the rarest term
// that occurs at all, so a query matching something never comes back empty.
func dropCommon(docs int64, info []termInfo) []bool {
	keep := make([]bool, len(info))
	if docs < minDocsForPruning {
		for i := range keep {
			keep[i] = true
		}
		return keep
	}
	rarest, kept := -1, false
	for i, ti := range info {
		if ti.df == 0 {
			continue
		}
		if ti.df*2 <= docs {
			keep[i], kept = true, true
		}
		if rarest < 0 || ti.df < info[rarest].df {
			rarest = i
		}
	}
	if !kept && rarest >= 0 {
		keep[rarest] = true
	}
	return keep
}

package sqlite

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// termStatsTTL is how long document frequencies are trusted. They only
// decide which OR terms to drop, so a minute-old count is good enough.
const termStatsTTL = time.Minute

// maxCachedTerms bounds the cache; it starts over when full.
const maxCachedTerms = 50_000

// termStats caches how many active memories contain each term.
//
// bm25 gives a term in more than half of the documents an inverse document
// frequency of zero (FTS5 clamps it to 1e-6): such a word adds nothing to any
// score, yet an OR query containing it must rank nearly every row. Recall
// sends whole sentences, so "the" or "is" would turn a sub-millisecond
// query into a scan of the table. dropCommon removes those terms from OR
// queries; the ranking of every row that still matches is unchanged, and
// the rows it loses are the ones matching only words that carry no meaning.
type termStats struct {
	mu   sync.Mutex
	at   time.Time
	docs int64
	df   map[string]int64
}

// minDocsForPruning keeps small stores exact: below it every OR term is
// searched, since the scan is cheap and "more than half" of a handful of
// memories is often the very word the caller is looking for.
const minDocsForPruning = 1000

// dropCommon returns the terms of an OR query without those in more than
// half of the active memories and without those in none. If that leaves no
// term, it keeps the rarest term that occurs at all, so a query matching
// something never comes back empty.
func (ts *termStats) dropCommon(ctx context.Context, s *Store, terms []string) ([]string, error) {
	docs, dfs, err := ts.lookup(ctx, s, terms)
	if err != nil {
		return nil, err
	}
	if docs < minDocsForPruning {
		return terms, nil
	}
	keep := make([]string, 0, len(terms))
	rarest := -1
	for i, t := range terms {
		if dfs[i] == 0 {
			continue
		}
		if dfs[i]*2 <= docs {
			keep = append(keep, t)
		}
		if rarest < 0 || dfs[i] < dfs[rarest] {
			rarest = i
		}
	}
	if len(keep) == 0 && rarest >= 0 {
		keep = append(keep, terms[rarest])
	}
	if len(keep) == 0 {
		return terms, nil // nothing occurs: the query matches nothing either way
	}
	return keep, nil
}

func (ts *termStats) lookup(ctx context.Context, s *Store, terms []string) (int64, []int64, error) {
	ts.mu.Lock()
	if time.Since(ts.at) > termStatsTTL || len(ts.df) > maxCachedTerms {
		ts.at, ts.docs, ts.df = time.Time{}, 0, map[string]int64{}
	}
	docs, fresh := ts.docs, !ts.at.IsZero()
	dfs := make([]int64, len(terms))
	var missing []int
	for i, t := range terms {
		if df, ok := ts.df[t]; ok {
			dfs[i] = df
		} else {
			missing = append(missing, i)
		}
	}
	ts.mu.Unlock()

	// Read outside the lock: two searches may count the same term at once,
	// which costs a little and is harmless.
	if !fresh {
		if err := s.queryRow(ctx, "SELECT count(*) FROM memories WHERE state = 'active'").Scan(&docs); err != nil {
			return 0, nil, fmt.Errorf("count active memories: %w", err)
		}
	}
	// Counting through MATCH tokenizes the term exactly as the index did
	// (case and diacritics folded), so "café" counts the rows holding "cafe".
	for _, i := range missing {
		err := s.queryRow(ctx, "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?",
			matchExpr(terms[i:i+1], true)).Scan(&dfs[i])
		if err != nil {
			return 0, nil, fmt.Errorf("term frequency of %q: %w", terms[i], err)
		}
	}

	ts.mu.Lock()
	if !fresh && ts.at.IsZero() {
		ts.at, ts.docs = time.Now(), docs
	}
	for _, i := range missing {
		ts.df[terms[i]] = dfs[i]
	}
	ts.mu.Unlock()
	return docs, dfs, nil
}

package sqlite

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Top-k search. Ranking every match with FTS5's bm25 costs ~1.5 µs a match
// (it reads each row's length from the docsize table), so a query of three
// words matching 1 600 of 100k rows spent most of its time ranking rows it
// then dropped, and the cost grew with the store. Instead:
//
//  1. candidates: for each term, its newest candidateWindow matches and
//     its matches in titles and tags (whose weights 10 and 3 make the
//     best hits), read as rowids without ranking (~0.1 µs a match);
//  2. a cheap first score over candidates: the inverse document
//     frequency of each term a candidate was seen holding, about twice
//     that in its title (firstScore);
//  3. the best of those are read whole and ranked by bm25 computed in Go
//     from their text (scorer), exactly as FTS5 would rank them.
//
// When every window came back short of full, the candidates are every
// match and the answer is exact; otherwise it is exact for rare terms
// (all their matches are candidates) and, for common ones, favours titles
// and recent rows. The judged relevance set in engine guards the quality.
const (
	// candidateWindow is Store.window's default.
	candidateWindow = 1024
	// exactCandidates is Store.exact's default: a complete candidate set up
	// to this size is read whole and ranked exactly; a larger one is cut by
	// the first score, since reading a row costs ~5 µs.
	exactCandidates = 128
)

// quote makes a term an FTS5 string, so no user text is read as query
// syntax. It matches every column: a column filter would keep it off the
// namespace column, but costs FTS5 a position-list scan per match, and a
// word equal to "ns" and a namespace in hex can only narrow a search to
// that namespace.
func quote(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }

// namespaceExpr matches the namespace token Apply indexes (schema 3).
func namespaceExpr(ns string) string {
	return `{ns}: "ns` + strings.ToUpper(hex.EncodeToString([]byte(ns))) + `"`
}

// matchExpr joins the terms' phrases with AND or OR.
func matchExpr(terms []string, all bool) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = quote(t)
	}
	if all {
		return strings.Join(quoted, " AND ")
	}
	return strings.Join(quoted, " OR ")
}

// titleGain is what a match in the title or tags counts in the first
// score against one in the content: bm25 saturates, so weight 10 in the
// title yields about twice the score of one occurrence in the content
// (10·2.2/(10+1.2) ≈ 1.96), weight 3 in tags about 1.6.
const titleGain = 1.96

// candidates maps rowid to which terms it was seen holding, anywhere and in
// its title (bit i for term i; a query has at most memory.MaxQueryTerms).
type candidates map[int64]seen

type seen struct{ any, title uint64 }

// window records matches of expr at or above floor as holding the terms in
// mask (in their titles when title is set): the newest ones, as many as
// newest, or every one when newest is 0, then read in rowid order, which
// FTS5 iterates cheaper than in reverse. It reports whether it saw every
// match.
func (r *reader) window(c candidates, expr string, floor int64, newest int, mask uint64, title bool) (complete bool, err error) {
	var list string
	if newest > 0 {
		err = r.queryRow("SELECT coalesce(group_concat(rowid), '') FROM (SELECT rowid FROM memories_fts"+
			" WHERE memories_fts MATCH ? AND rowid >= ? ORDER BY rowid DESC LIMIT ?)", expr, floor, newest).Scan(&list)
	} else {
		err = r.queryRow("SELECT coalesce(group_concat(rowid), '') FROM memories_fts"+
			" WHERE memories_fts MATCH ? AND rowid >= ?", expr, floor).Scan(&list)
	}
	if err != nil {
		return false, fmt.Errorf("search: %w", err)
	}
	// group_concat hands over thousands of rowids as one string: parsing it
	// costs less than stepping a row per rowid through database/sql.
	n := 0
	for i := 0; i < len(list); i++ {
		var rowid int64
		for ; i < len(list) && list[i] != ','; i++ {
			if list[i] < '0' || list[i] > '9' {
				return false, fmt.Errorf("search: rowid list %q", list)
			}
			rowid = rowid*10 + int64(list[i]-'0')
		}
		sn := c[rowid]
		sn.any |= mask
		if title {
			sn.title |= mask
		}
		c[rowid] = sn
		n++
	}
	return newest == 0 || n < newest, nil
}

// firstScore is bm25 with every occurrence counted once and every row of
// average length: the sum of the idf of the terms seen, a title match
// counting titleGain times.
func (sc *scorer) firstScore(sn seen) float64 {
	f := 0.0
	for i, w := range sc.idf {
		switch bit := uint64(1) << i; {
		case sn.title&bit != 0:
			f += titleGain * w
		case sn.any&bit != 0:
			f += w
		}
	}
	return f
}

// searchTopK runs a full-text query filtered on liveness and namespace.
func (s *Store) searchTopK(r *reader, terms []string, all bool, q *memory.ListQuery, limit, offset int) ([]memory.SearchHit, error) {
	exprs := make([]string, len(terms))
	for i, t := range terms {
		exprs[i] = quote(t)
	}
	nsFilter := ""
	if q.Namespace != "" {
		nsFilter = " AND " + namespaceExpr(q.Namespace)
	}
	if all && !s.terms.cached(exprs) {
		// Terms not counted lately: counting them costs more than letting
		// FTS5 rank their AND when it has few matches, as it mostly has.
		hits, few, err := r.rankFew("("+matchExpr(terms, true)+")"+nsFilter, q, limit, offset)
		if err != nil || few {
			return hits, err
		}
	}
	info, err := s.terms.lookup(r.ctx, s, exprs)
	if err != nil {
		return nil, err
	}
	cs, err := r.readCorpusStats()
	if err != nil || cs.rows == 0 {
		return nil, err
	}
	if !all && len(terms) > 1 {
		keep := dropCommon(cs.rows, info)
		var t2 []string
		var i2 []termInfo
		for i, k := range keep {
			if k {
				t2, i2 = append(t2, terms[i]), append(i2, info[i])
			}
		}
		terms, info = t2, i2
	}
	if len(terms) == 0 {
		return nil, nil
	}
	df := make([]int64, len(info))
	for i, ti := range info {
		df[i] = ti.df
	}
	sc := newScorer(terms, df, cs)

	// A window never holds fewer rows than the page asks for.
	size := max(s.window, offset+limit)
	c := candidates{}
	// Every term's matches first; then, unless those are few enough to be
	// read and ranked whole, the title and tag matches that order them.
	complete := true
	type titleQuery struct {
		expr string
		term int // the term whose newest matches bound the window
		mask uint64
	}
	var titles []titleQuery
	if all {
		// Every candidate holds every term; title matches are sought
		// among the newest matches of the rarest term.
		every := uint64(1)<<len(terms) - 1
		rarest, est := 0, float64(cs.rows)
		quoted := make([]string, len(terms))
		for i, ti := range info {
			if ti.df < info[rarest].df {
				rarest = i
			}
			est *= float64(ti.df) / float64(cs.rows)
			quoted[i] = quote(terms[i])
		}
		// Outside titles every AND match has the same first score, so only
		// the newest are ever read: a window of 4× the page (for rows the
		// filters drop) is as good as a long one. When the terms look
		// independent and rare together, every match is read in rowid
		// order, which FTS5 does cheaper than reading backwards.
		andSize := min(size, max(4*(offset+limit), s.exact))
		n := newest(info[rarest].df, andSize)
		if est*4 <= float64(andSize) {
			n = 0
		}
		if complete, err = r.window(c, "("+matchExpr(terms, true)+")"+nsFilter, 0, n, every, false); err != nil {
			return nil, err
		}
		titles = append(titles, titleQuery{"{title tags}: (" + strings.Join(quoted, " AND ") + ")" + nsFilter, rarest, every})
	} else {
		for i, t := range terms {
			whole, err := r.window(c, quote(t)+nsFilter, 0, newest(info[i].df, size), 1<<i, false)
			if err != nil {
				return nil, err
			}
			complete = complete && whole
			titles = append(titles, titleQuery{"{title tags}: " + quote(t) + nsFilter, i, 1 << i})
		}
	}
	if !complete || len(c) > s.exact {
		for _, tw := range titles {
			if _, err := r.window(c, tw.expr, info[tw.term].floor, 0, tw.mask, true); err != nil {
				return nil, err
			}
		}
	}
	hits, err := r.rankCandidates(c, sc, q, complete, limit, offset)
	if err != nil || complete || len(hits) == limit {
		return hits, err
	}
	// The filters (expiry) dropped so many candidates that the page is
	// short while matches were left out of the windows: rank them all,
	// the exact way.
	return r.searchJoined(matchExpr(terms, all), q, limit, offset)
}

// rankFew ranks the matches of expr with FTS5's own bm25 when there are at
// most Store.exact of them (few is false otherwise) and reads the page.
// The namespace column weighs 0, so a namespace term adds nothing.
func (r *reader) rankFew(expr string, q *memory.ListQuery, limit, offset int) (hits []memory.SearchHit, few bool, err error) {
	rows, err := r.query("SELECT rowid, -bm25(memories_fts, 10.0, 1.0, 3.0, 0.0) FROM memories_fts"+
		" WHERE memories_fts MATCH ? LIMIT ?", expr, r.s.exact+1)
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	relevance := map[int64]float64{}
	var rowids []int64
	for rows.Next() {
		var rowid int64
		var rel float64
		if err := rows.Scan(&rowid, &rel); err != nil {
			rows.Close()
			return nil, false, err
		}
		relevance[rowid] = rel
		rowids = append(rowids, rowid)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(rowids) > r.s.exact {
		return nil, false, err
	}
	err = r.eachCandidate(rowids, memoryColumns("m"), filters(q), func(row scanner, rowid *int64) error {
		m, err := scanMemory(row)
		if err != nil {
			return err
		}
		hits = append(hits, memory.SearchHit{Memory: m, Relevance: relevance[*rowid]})
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return page(hits, limit, offset), true, nil
}

// page sorts hits best first, ties by id, and cuts the page.
func page(hits []memory.SearchHit, limit, offset int) []memory.SearchHit {
	slices.SortFunc(hits, func(a, b memory.SearchHit) int {
		if x := cmp.Compare(b.Relevance, a.Relevance); x != 0 {
			return x
		}
		return strings.Compare(a.Memory.ID, b.Memory.ID)
	})
	if offset >= len(hits) {
		return nil
	}
	return hits[offset:min(offset+limit, len(hits))]
}

// newest is the window of a term with df matches: all of them when they
// fit, else the newest size.
func newest(df int64, size int) int {
	if df <= int64(size) {
		return 0
	}
	return size
}

// cand is a candidate with its first score.
type cand struct {
	rowid int64
	first float64
}

// better orders candidates by first score, newer first on ties.
func better(a, b cand) bool {
	if a.first != b.first {
		return a.first > b.first
	}
	return a.rowid > b.rowid
}

// bestFirst moves the k best of cs to its front, in order, without
// sorting the rest: a query reads tens of rows out of thousands of
// candidates.
func bestFirst(cs []cand, k int) {
	lo, hi := 0, len(cs)-1
	for lo < hi && k < len(cs) { // quickselect: cs[:k] holds the k best
		pivot := cs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for better(cs[i], pivot) {
				i++
			}
			for better(pivot, cs[j]) {
				j--
			}
			if i <= j {
				cs[i], cs[j] = cs[j], cs[i]
				i, j = i+1, j-1
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			lo = hi
		}
	}
	slices.SortFunc(cs[:min(k, len(cs))], func(a, b cand) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
}

// rankCandidates reads the best candidates by first score, keeps those
// passing the filters, and ranks them by bm25. It reads more while fewer
// than offset+limit rows passed and candidates remain.
func (r *reader) rankCandidates(c candidates, sc *scorer, q *memory.ListQuery, complete bool, limit, offset int) ([]memory.SearchHit, error) {
	order := make([]cand, 0, len(c))
	for rowid, sn := range c {
		order = append(order, cand{rowid, sc.firstScore(sn)})
	}
	need := offset + limit
	chunk := max(need, 16)
	if complete && len(order) <= r.s.exact {
		chunk = len(order)
	}
	w := filters(q)
	var hits []memory.SearchHit
	for done := 0; done < len(order) && len(hits) < need; done += chunk {
		page := order[done:min(done+chunk, len(order))]
		bestFirst(order[done:], len(page))
		rowids := make([]int64, len(page))
		for i, p := range page {
			rowids[i] = p.rowid
		}
		err := r.eachCandidate(rowids, memoryColumns("m")+", m.tags", w, func(row scanner, _ *int64) error {
			var tags string
			m, err := scanMemory(row, &tags)
			if err != nil {
				return err
			}
			hits = append(hits, memory.SearchHit{Memory: m, Relevance: sc.relevance(m.Title, m.Content, tags)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return page(hits, limit, offset), nil
}

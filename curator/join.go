package curator

import (
	"math"
	"sort"
)

// pair is two document indexes, a < b.
type pair struct{ a, b int }

// similarPairs returns every pair of documents whose token sets have a
// Jaccard similarity of at least t. It is an exact set-similarity join with
// prefix filtering: with tokens ordered rarest first, two sets can only
// reach t if they share a token among the first |x| - ceil(t·|x|) + 1 of
// either, so only those prefixes are indexed and every candidate is then
// verified. This keeps the join near linear on real corpora, where most
// pairs share only common words.
func similarPairs(docs []map[string]bool, t float64) []pair {
	df := map[string]int{}
	for _, d := range docs {
		for w := range d {
			df[w]++
		}
	}
	ordered := make([][]string, len(docs))
	for i, d := range docs {
		ws := make([]string, 0, len(d))
		for w := range d {
			ws = append(ws, w)
		}
		sort.Slice(ws, func(x, y int) bool {
			if df[ws[x]] != df[ws[y]] {
				return df[ws[x]] < df[ws[y]]
			}
			return ws[x] < ws[y]
		})
		ordered[i] = ws
	}
	index := map[string][]int{}
	var out []pair
	for i, ws := range ordered {
		if len(ws) == 0 {
			continue
		}
		prefix := len(ws) - int(math.Ceil(t*float64(len(ws)))) + 1
		seen := map[int]bool{}
		for _, w := range ws[:min(prefix, len(ws))] {
			for _, j := range index[w] {
				if seen[j] {
					continue
				}
				seen[j] = true
				if jaccard(docs[i], docs[j]) >= t {
					out = append(out, pair{j, i})
				}
			}
			index[w] = append(index[w], i)
		}
	}
	sort.Slice(out, func(x, y int) bool {
		if out[x].a != out[y].a {
			return out[x].a < out[y].a
		}
		return out[x].b < out[y].b
	})
	return out
}

// unionFind groups documents connected by pairs.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(x int) int {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b int) { u[u.find(a)] = u.find(b) }

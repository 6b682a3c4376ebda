package curator

import (
	"math"
	"slices"
	"sort"
)

// pair is two document indexes, a < b.
type pair struct{ a, b int }

// similarPairs returns every pair of documents whose token sets have a
// Jaccard similarity of at least t. It is an exact set-similarity join with
// prefix filtering: with tokens ordered rarest first, two sets can only
// reach t if they share a token among the first |x| - ceil(t·|x|) + 1 of
// either, so only those prefixes are indexed; candidates also need sizes
// within a factor t of each other, and are then verified by merging the
// two sorted sets. This keeps the join near linear on real corpora, where
// most pairs share only common words.
func similarPairs(sets []map[string]bool, t float64) []pair {
	docs := rankedSets(sets)
	var index [][]int32 // token rank → documents whose prefix holds it
	lastSeen := make([]int, len(docs))
	for i := range lastSeen {
		lastSeen[i] = -1
	}
	var out []pair
	for i, d := range docs {
		if len(d) == 0 {
			continue
		}
		prefix := len(d) - int(math.Ceil(t*float64(len(d)))) + 1
		for _, w := range d[:min(prefix, len(d))] {
			for int(w) >= len(index) {
				index = append(index, nil)
			}
			for _, j := range index[w] {
				if lastSeen[j] == i {
					continue
				}
				lastSeen[j] = i
				dj := docs[j]
				if float64(len(dj)) < t*float64(len(d)) || float64(len(d)) < t*float64(len(dj)) {
					continue
				}
				if sortedJaccard(d, dj) >= t {
					out = append(out, pair{int(j), i})
				}
			}
			index[w] = append(index[w], int32(i))
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

// rankedSets replaces each token by its rank in the global order (fewest
// documents first, then alphabetical) and sorts each set by rank.
func rankedSets(sets []map[string]bool) [][]int32 {
	df := map[string]int{}
	for _, s := range sets {
		for w := range s {
			df[w]++
		}
	}
	vocab := make([]string, 0, len(df))
	for w := range df {
		vocab = append(vocab, w)
	}
	sort.Slice(vocab, func(x, y int) bool {
		if df[vocab[x]] != df[vocab[y]] {
			return df[vocab[x]] < df[vocab[y]]
		}
		return vocab[x] < vocab[y]
	})
	rank := make(map[string]int32, len(vocab))
	for i, w := range vocab {
		rank[w] = int32(i)
	}
	out := make([][]int32, len(sets))
	for i, s := range sets {
		r := make([]int32, 0, len(s))
		for w := range s {
			r = append(r, rank[w])
		}
		slices.Sort(r)
		out[i] = r
	}
	return out
}

// sortedJaccard is the Jaccard similarity of two sorted, duplicate-free sets.
func sortedJaccard(a, b []int32) float64 {
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
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

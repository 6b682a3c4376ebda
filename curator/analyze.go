package curator

import (
	"math"
	"sort"
	"strconv"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Heuristic thresholds; Options can override the first two.
const (
	// DefaultDuplicateThreshold is the Jaccard similarity of title+content
	// word sets (stopwords removed) at which two memories of one namespace
	// are near-duplicates. 0.8 means at most one word in five differs.
	DefaultDuplicateThreshold = 0.8
	// DefaultSubjectThreshold is the title word-set similarity at which two
	// memories are taken to be about the same subject.
	DefaultSubjectThreshold = 0.6
	// subjectContentFloor is the least content similarity a same-subject pair
	// needs before a conflict counts: titles alike but bodies about
	// unrelated things are not a contradiction.
	subjectContentFloor = 0.3
	// maxClusterSize bounds one consolidation, which keeps its rollback
	// entry (the full prior rows) a reasonable size to replicate.
	maxClusterSize = 20
	// maxAutoTags is how many keywords an untagged memory receives.
	maxAutoTags = 3
)

// doc is one eligible memory with its token sets.
type doc struct {
	mem    memory.Memory
	tokens map[string]bool // title + content, no stopwords
	title  map[string]bool
	raw    map[string]bool // every word, stopwords and negations included
}

func newDoc(m memory.Memory) doc {
	raw := map[string]bool{}
	for _, w := range words(m.Title + " " + m.Content) {
		raw[w] = true
	}
	return doc{mem: m, tokens: contentTokens(m.Title + " " + m.Content), title: contentTokens(m.Title), raw: raw}
}

// conflict applies the contradiction heuristic to two memories about one
// subject. It reports a reason when exactly one side is negated, when they
// use opposite words of a known antonym pair, or when both state numbers
// and the numbers differ ("timeout is 30 s" against "timeout is 60 s").
func conflict(a, b *doc) (string, bool) {
	if hasAny(a.raw, negations) != hasAny(b.raw, negations) {
		return "negation", true
	}
	for x, y := range antonyms {
		if a.raw[x] && b.raw[y] && !a.raw[y] && !b.raw[x] || a.raw[y] && b.raw[x] && !a.raw[x] && !b.raw[y] {
			return "antonyms " + x + "/" + y, true
		}
	}
	na, nb := numbers(a.raw), numbers(b.raw)
	if len(na) > 0 && len(nb) > 0 && !sameSet(na, nb) {
		return "numbers differ", true
	}
	return "", false
}

func hasAny(set, words map[string]bool) bool {
	for w := range set {
		if words[w] {
			return true
		}
	}
	return false
}

func numbers(set map[string]bool) map[string]bool {
	out := map[string]bool{}
	for w := range set {
		if _, err := strconv.ParseFloat(w, 64); err == nil {
			out[w] = true
		}
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for w := range a {
		if !b[w] {
			return false
		}
	}
	return true
}

// pairFinding is a classified pair of one namespace.
type pairFinding struct {
	a, b            int // indexes into the namespace's docs
	similarity      float64
	titleSimilarity float64
	reason          string // non-empty for a contradiction
}

// classifyPairs finds near-duplicate and contradiction pairs among docs of
// one namespace. A similar pair that conflicts is a contradiction, never a
// duplicate: merging "X is enabled" with "X is disabled" would hide the
// disagreement.
func classifyPairs(docs []doc, dupT, subjT float64) (dups, contras []pairFinding) {
	tok := make([]map[string]bool, len(docs))
	titles := make([]map[string]bool, len(docs))
	for i := range docs {
		tok[i], titles[i] = docs[i].tokens, docs[i].title
	}
	cands := map[pair]bool{}
	for _, p := range similarPairs(tok, dupT) {
		cands[p] = true
	}
	for _, p := range similarPairs(titles, subjT) {
		cands[p] = true
	}
	ordered := make([]pair, 0, len(cands))
	for p := range cands {
		ordered = append(ordered, p)
	}
	sort.Slice(ordered, func(i, j int) bool {
		if ordered[i].a != ordered[j].a {
			return ordered[i].a < ordered[j].a
		}
		return ordered[i].b < ordered[j].b
	})
	for _, p := range ordered {
		a, b := &docs[p.a], &docs[p.b]
		f := pairFinding{a: p.a, b: p.b, similarity: jaccard(a.tokens, b.tokens), titleSimilarity: jaccard(a.title, b.title)}
		reason, conflicting := conflict(a, b)
		switch {
		case conflicting && (f.similarity >= dupT || f.titleSimilarity >= subjT && f.similarity >= subjectContentFloor):
			f.reason = reason
			contras = append(contras, f)
		case !conflicting && f.similarity >= dupT:
			dups = append(dups, f)
		}
	}
	return dups, contras
}

// cluster is a group of near-duplicates, keeper first, with the lowest
// similarity among the pairs that joined it.
type cluster struct {
	members       []int
	minSimilarity float64
}

// clusters groups duplicate pairs transitively. A cluster holding a
// contradiction pair is dropped.
func clusters(docs []doc, dups, contras []pairFinding) []cluster {
	uf := newUnionFind(len(docs))
	for _, d := range dups {
		uf.union(d.a, d.b)
	}
	minSim := map[int]float64{}
	for _, d := range dups {
		if s, ok := minSim[uf.find(d.a)]; !ok || d.similarity < s {
			minSim[uf.find(d.a)] = d.similarity
		}
	}
	groups := map[int][]int{}
	for i := range docs {
		groups[uf.find(i)] = append(groups[uf.find(i)], i)
	}
	conflicted := map[int]bool{}
	for _, c := range contras {
		if uf.find(c.a) == uf.find(c.b) {
			conflicted[uf.find(c.a)] = true
		}
	}
	var out []cluster
	for root, g := range groups {
		if len(g) < 2 || conflicted[root] {
			continue
		}
		sort.Slice(g, func(i, j int) bool { return keeperFirst(&docs[g[i]].mem, &docs[g[j]].mem) })
		out = append(out, cluster{members: g[:min(len(g), maxClusterSize)], minSimilarity: minSim[root]})
	}
	sort.Slice(out, func(i, j int) bool { return docs[out[i].members[0]].mem.ID < docs[out[j].members[0]].mem.ID })
	return out
}

// keeperFirst orders a cluster: highest priority, then most recently
// updated, then oldest id. The first member gives the merged memory its title.
func keeperFirst(a, b *memory.Memory) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	return a.ID < b.ID
}

// mergeContent is the keeper's content followed by every sentence of the
// other members that the keeper does not already say, trimmed to the
// content limit. Near-duplicates differ in a few words, so a plain
// concatenation would mostly repeat itself.
func mergeContent(ms []memory.Memory) string {
	seen := map[string]bool{}
	var parts []string
	for _, m := range ms {
		for _, s := range sentences(m.Content) {
			key := strings.Join(words(s), " ")
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			parts = append(parts, s)
		}
	}
	out := strings.Join(parts, " ")
	if len(out) > memory.MaxContentBytes {
		out = strings.ToValidUTF8(out[:memory.MaxContentBytes], "")
	}
	return out
}

// sentences splits text after ". ", "! ", "? " and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		end := c == '\n' || (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n')
		if end {
			if s := strings.TrimSpace(text[start : i+1]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// keywords ranks the terms of each doc by TF-IDF over the whole eligible
// corpus and returns up to n per doc. A term must appear in at least two
// memories (a tag shared by nobody groups nothing) and in at most half of
// them (a term everyone has says nothing), be three or more characters and
// not a number.
func keywords(docs []doc, n int) [][]string {
	df := map[string]int{}
	tfs := make([]map[string]int, len(docs))
	for i := range docs {
		tf := map[string]int{}
		for _, w := range words(docs[i].mem.Title + " " + docs[i].mem.Content) {
			if len([]rune(w)) >= 3 && !stopwords[w] && !isDigits(w) {
				tf[w]++
			}
		}
		for w := range tf {
			df[w]++
		}
		tfs[i] = tf
	}
	total := float64(len(docs))
	out := make([][]string, len(docs))
	for i, tf := range tfs {
		type scored struct {
			term  string
			score float64
		}
		var terms []scored
		for w, c := range tf {
			if df[w] < 2 || float64(df[w]) > total/2 {
				continue
			}
			terms = append(terms, scored{w, float64(c) * math.Log(total/float64(df[w]))})
		}
		sort.Slice(terms, func(x, y int) bool {
			if terms[x].score != terms[y].score {
				return terms[x].score > terms[y].score
			}
			return terms[x].term < terms[y].term
		})
		for _, s := range terms[:min(n, len(terms))] {
			out[i] = append(out[i], s.term)
		}
	}
	return out
}

// usePriority is the priority a memory's use earns: 5 + ⌊log2(1 + uses/5)⌋,
// capped at 10 (5 uses → 6, 15 → 7, 35 → 8, 75 → 9, 155 → 10). The curator
// only raises a priority to it, never lowers one a user chose.
func usePriority(accessCount int64) int {
	p := memory.DefaultPriority + int(math.Log2(1+float64(accessCount)/5))
	return min(p, memory.MaxPriority)
}

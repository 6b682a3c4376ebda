package sqlite

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Column weights for bm25, in the order of memories_fts (title, content,
// tags). A word in the title says more about what a memory is than the same
// word somewhere in its body, so the title weighs 10, tags 3, content 1.
// Relevance is -bm25, so higher is better and a typical hit scores 1..30.
const relevanceSQL = "-bm25(memories_fts, 10.0, 1.0, 3.0)"

var columnWeights = [3]float64{10, 1, 3}

// FTS5's bm25 constants.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// corpusStats are the index-wide figures bm25 needs: rows and the average
// row length in tokens (every column, the namespace token included).
type corpusStats struct {
	rows  int64
	avgdl float64
}

// readCorpusStats decodes FTS5's averages record (rowid 1 of the data
// table): a varint row count, then one varint token total per column.
func (r *reader) readCorpusStats() (corpusStats, error) {
	var blob []byte
	if err := r.queryRow("SELECT block FROM memories_fts_data WHERE id = 1").Scan(&blob); err != nil {
		return corpusStats{}, fmt.Errorf("full-text averages: %w", err)
	}
	rows, n := ftsVarint(blob)
	var tokens int64
	for n > 0 && len(blob) > n {
		blob = blob[n:]
		var v int64
		v, n = ftsVarint(blob)
		tokens += v
	}
	if rows <= 0 {
		return corpusStats{}, nil
	}
	return corpusStats{rows: rows, avgdl: float64(tokens) / float64(rows)}, nil
}

// ftsVarint decodes SQLite's varint (big-endian 7-bit groups, the ninth
// byte whole) and returns the value and its length, 0 when blob is short.
func ftsVarint(blob []byte) (int64, int) {
	var v uint64
	for i := 0; i < len(blob) && i < 9; i++ {
		if i == 8 {
			return int64(v<<8 | uint64(blob[i])), 9
		}
		v = v<<7 | uint64(blob[i]&0x7f)
		if blob[i] < 0x80 {
			return int64(v), i + 1
		}
	}
	return 0, 0
}

// idf is FTS5's inverse document frequency, clamped as FTS5 clamps it.
func idf(rows, df int64) float64 {
	v := math.Log((float64(rows-df) + 0.5) / (float64(df) + 0.5))
	if v <= 0 {
		v = 1e-6
	}
	return v
}

// scorer computes FTS5's bm25 for one query in Go, from a row's text, so
// that ranking a candidate costs no index lookups: FTS5 reads the row's
// length from its docsize table for every match it ranks.
type scorer struct {
	terms []string  // folded query terms
	idf   []float64 // per term
	avgdl float64
}

func newScorer(terms []string, df []int64, cs corpusStats) *scorer {
	sc := &scorer{terms: make([]string, len(terms)), idf: make([]float64, len(terms)), avgdl: cs.avgdl}
	for i, t := range terms {
		sc.terms[i] = foldToken(t)
		sc.idf[i] = idf(cs.rows, df[i])
	}
	return sc
}

// relevance is -bm25 of a row with these columns, computed the way FTS5
// computes it (same order of operations, so the same float), given that the
// row holds the namespace token too.
func (sc *scorer) relevance(title, content, tags string) float64 {
	freq := make([]float64, len(sc.terms))
	tokens := 1 // the namespace token
	for col, text := range [3]string{title, content, tags} {
		w := columnWeights[col]
		for rest := text; ; {
			tok, ascii, next := nextToken(rest)
			if tok == "" {
				break
			}
			rest = next
			tokens++
			if !ascii {
				tok = foldToken(tok)
			}
			for i, t := range sc.terms {
				if ascii && asciiEqualFold(tok, t) || !ascii && tok == t {
					freq[i] += w
				}
			}
		}
	}
	d := float64(tokens)
	score := 0.0
	for i, f := range freq {
		score += sc.idf[i] * ((f * (bm25K1 + 1.0)) / (f + bm25K1*(1-bm25B+bm25B*d/sc.avgdl)))
	}
	return score // FTS5 returns -score; relevance is -bm25
}

// nextToken finds the first token of text as FTS5's unicode61 tokenizer
// with remove_diacritics 2 splits it: a run of letters, numbers,
// private-use characters and combining marks. It returns the token
// unfolded, whether it is all ASCII, and the text after it; tok is ""
// when there is none.
func nextToken(text string) (tok string, ascii bool, rest string) {
	start, end := -1, len(text)
	ascii = true
	for i := 0; i < len(text); {
		c := text[i]
		var n int
		var in bool
		if c < utf8.RuneSelf {
			n, in = 1, c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(text[i:])
			in = unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
			if in {
				ascii = false
			}
		}
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			end = i
			return text[start:end], ascii, text[end:]
		}
		i += n
	}
	if start < 0 {
		return "", true, ""
	}
	return text[start:], ascii, ""
}

// asciiEqualFold compares an ASCII token with a folded term.
func asciiEqualFold(tok, term string) bool {
	if len(tok) != len(term) {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != term[i] {
			return false
		}
	}
	return true
}

// foldToken lower-cases a token and strips its diacritics ("Café" → "cafe").
func foldToken(tok string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(tok) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

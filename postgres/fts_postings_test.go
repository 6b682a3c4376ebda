package postgres

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// referenceDocument is the tsvector literal as a map of lexemes to
// postings built it before ftsPostings sorted flat tokens: the stored
// vectors must not change.
func referenceDocument(title, content string, tags []string) string {
	postings := map[string][]uint32{}
	pos := uint32(0)
	add := func(weight uint32) func([]byte) {
		return func(lex []byte) {
			pos++
			p, seen := postings[string(lex)]
			if !seen {
				postings[string(lex)] = []uint32{min(pos, maxPosition)<<2 | weight}
				return
			}
			if len(p) < maxLexemePosting {
				postings[string(lex)] = append(p, min(pos, maxPosition)<<2|weight)
			}
		}
	}
	tokens(title, add(0))
	tokens(content, add(1))
	for _, t := range tags {
		tokens(t, add(2))
	}
	lexemes := make([]string, 0, len(postings))
	for lex := range postings {
		lexemes = append(lexemes, lex)
	}
	sort.Strings(lexemes)
	var b []byte
	for i, lex := range lexemes {
		if i > 0 {
			b = append(b, ' ')
		}
		b = quoteLexeme(b, lex)
		for j, p := range postings[lex] {
			if j == 0 {
				b = append(b, ':')
			} else {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(p>>2), 10)
			b = append(b, "ABC"[p&3])
		}
	}
	return string(b)
}

func TestFTSDocumentIsTheReferences(t *testing.T) {
	words := []string{"a", "ab", "abc", "b", "Zebra", "zebra", "café", "CAFE", "naïve", "日本語", "ǅ", "ß", "it's",
		`back\slash`, "e\u0301", "x1", "1x", "🎉", "v2.0", "example.com", "\u200bzero", "ÅÆ", "über", "ﬁ"}
	rng := rand.New(rand.NewPCG(1, 2))
	doc := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteString([]string{" ", ", ", "-", "\n", "."}[rng.IntN(5)])
		}
		return sb.String()
	}
	type memoryText struct {
		title, content string
		tags           []string
	}
	cases := []memoryText{
		{"", "", nil},
		{"Title", "", []string{"", "tag"}},
		{"zz", strings.Repeat("f ", 16400) + "zz zz", []string{"zz", "f"}},
		{"same same", strings.Repeat("same ", 300), []string{"same"}},
	}
	for i := range 300 {
		cases = append(cases, memoryText{doc(rng.IntN(8)), doc(rng.IntN(60 + i)), []string{doc(1), doc(2)}})
	}
	for i, c := range cases {
		got, want := ftsDocument(c.title, c.content, c.tags), referenceDocument(c.title, c.content, c.tags)
		if got != want {
			t.Fatalf("case %d (%.60q):\n got %.300s\nwant %.300s", i, c.content, got, want)
		}
	}
}

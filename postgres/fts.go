package postgres

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Full-text documents and queries are tokenised here, in Go, not by
// PostgreSQL's parser, for two reasons:
//
//   - Same matches on both backends. PostgreSQL's parser keeps host names,
//     versions and hyphenated words as extra tokens ("example.com" is one
//     lexeme, so the term "example" misses it), while SQLite's unicode61
//     and memory.Terms split on every character that is not a letter or a
//     number. Here documents split as unicode61 splits them, and letters
//     are lower-cased and stripped of diacritics as unicode61
//     (remove_diacritics 2) does, so "cafe" finds "Café" on both.
//   - Cost. to_tsvector in a generated column was half the server's CPU
//     time when copying memories in bulk; Go does the same work in a
//     fraction of it, on the client.
//
// The stored tsvector and the tsquery are therefore built as literals of
// already-normalised lexemes and cast, never parsed with a text search
// configuration.

// Limits of PostgreSQL's tsvector.
const (
	maxLexemeBytes   = 2046  // longer words are skipped, as to_tsvector does
	maxPosition      = 16383 // later positions are clamped
	maxLexemePosting = 256   // positions kept per lexeme
)

// fold lower-cases s and removes diacritics (é → e, ß stays ß).
func fold(s string) string {
	s = strings.ToLower(s)
	if isASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// tokens splits folded text into runs of letters, numbers and private-use
// characters (FTS5 unicode61's default token categories "L* N* Co");
// everything else, zero-width and bidi controls included, separates. The
// slice passed to emit is reused.
func tokens(s string, emit func([]byte)) {
	var tok []byte
	flush := func() {
		if len(tok) > 0 && len(tok) <= maxLexemeBytes {
			emit(tok)
		}
		tok = tok[:0]
	}
	for _, r := range fold(s) {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				tok = append(tok, byte(r))
			} else {
				flush()
			}
			continue
		}
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) {
			tok = utf8.AppendRune(tok, r)
		} else {
			flush()
		}
	}
	flush()
}

// quoteLexeme appends a lexeme quoted for tsvector and tsquery input.
func quoteLexeme(b []byte, lex string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(lex); i++ {
		switch lex[i] {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, lex[i])
		}
	}
	return append(b, '\'')
}

// ftsPostings tokenises a memory for its tsvector: title words weigh A,
// content B, tags C; positions run on across the three. It returns the
// lexemes in byte order (PostgreSQL's order too) and each one's postings,
// position<<2 | weight (0 = A, 1 = B, 2 = C), positions ascending.
func ftsPostings(title, content string, tags []string) ([]string, map[string][]uint32) {
	postings := map[string][]uint32{}
	pos := uint32(0)
	add := func(weight uint32) func([]byte) {
		return func(lex []byte) {
			pos++
			p, seen := postings[string(lex)] // no allocation on a hit
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
	sort.Strings(lexemes) // deterministic text; PostgreSQL sorts anyway
	return lexemes, postings
}

// ftsDocument builds the tsvector literal of a memory (see ftsPostings).
func ftsDocument(title, content string, tags []string) string {
	lexemes, postings := ftsPostings(title, content, tags)
	b := make([]byte, 0, 2*len(content)+64)
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

// ftsQuery builds the tsquery literal for terms: each term's lexemes (a
// term from memory.Terms is one; raw text may split into several, which
// must all match) joined with & (all) or | (any). Terms without letters or
// digits carry nothing to match and are left out; "" means no query.
func ftsQuery(terms []string, all bool) string {
	op := " | "
	if all {
		op = " & "
	}
	var b []byte
	for _, t := range terms {
		var lex []string
		tokens(t, func(l []byte) { lex = append(lex, string(l)) })
		if len(lex) == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, op...)
		}
		if len(lex) > 1 {
			b = append(b, '(')
		}
		for i, l := range lex {
			if i > 0 {
				b = append(b, " & "...)
			}
			b = quoteLexeme(b, l)
		}
		if len(lex) > 1 {
			b = append(b, ')')
		}
	}
	return string(b)
}

package postgres

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

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
	d := norm.NFD.String(strings.ToLower(s))
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}

// tokens splits folded text into runs of letters, numbers and private-use
// characters (FTS5 unicode61's default token categories "L* N* Co");
// everything else, zero-width and bidi controls included, separates.
func tokens(s string, emit func(string)) {
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 && b.Len() <= maxLexemeBytes {
			emit(b.String())
		}
		b.Reset()
	}
	for _, r := range fold(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
}

// quoteLexeme quotes a lexeme for tsvector and tsquery input.
func quoteLexeme(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `''`) + "'"
}

// ftsDocument builds the tsvector literal of a memory: title words weigh
// A, content B, tags C; positions run on across the three.
func ftsDocument(title, content string, tags []string) string {
	type posting struct{ entries []string }
	postings := map[string]*posting{}
	pos := 0
	add := func(weight string) func(string) {
		return func(lex string) {
			pos++
			p := postings[lex]
			if p == nil {
				p = &posting{}
				postings[lex] = p
			}
			if len(p.entries) < maxLexemePosting {
				p.entries = append(p.entries, strconv.Itoa(min(pos, maxPosition))+weight)
			}
		}
	}
	tokens(title, add("A"))
	tokens(content, add("B"))
	for _, t := range tags {
		tokens(t, add("C"))
	}
	lexemes := make([]string, 0, len(postings))
	for lex := range postings {
		lexemes = append(lexemes, lex)
	}
	sort.Strings(lexemes) // deterministic text; PostgreSQL sorts anyway
	var b strings.Builder
	for i, lex := range lexemes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(lex))
		b.WriteByte(':')
		b.WriteString(strings.Join(postings[lex].entries, ","))
	}
	return b.String()
}

// ftsQuery builds the tsquery literal for terms: each term's lexemes (a
// term from memory.Terms is one; raw text may split into several, which
// must all match) joined with & (all) or | (any). Terms without letters or
// digits carry nothing to match and are left out; "" means no query.
func ftsQuery(terms []string, all bool) string {
	var parts []string
	for _, t := range terms {
		var lex []string
		tokens(t, func(l string) { lex = append(lex, quoteLexeme(l)) })
		switch len(lex) {
		case 0:
			continue
		case 1:
			parts = append(parts, lex[0])
		default:
			parts = append(parts, "("+strings.Join(lex, " & ")+")")
		}
	}
	op := " | "
	if all {
		op = " & "
	}
	return strings.Join(parts, op)
}

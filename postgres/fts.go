package postgres

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"sync"
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
func quoteLexeme[T string | []byte](b []byte, lex T) []byte {
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

// ftsPostings is a memory tokenised for its tsvector: title words weigh
// A, content B, tags C; positions run on across the three. Lexemes come
// out in byte order (PostgreSQL's order too), each with its postings,
// position<<2 | weight (0 = A, 1 = B, 2 = C), positions ascending, at most
// maxLexemePosting of them.
//
// It collects the tokens in flat slices and sorts them, where a map of
// lexemes to postings made allocations per lexeme and per document: this
// runs for every row copied into PostgreSQL. Values are reused through
// ftsPool.
type ftsPostings struct {
	text    []byte // the tokens' bytes, back to back
	toks    []ftsToken
	lexemes []ftsLexeme
	posts   []uint32 // the postings of lexemes[i] are posts[start:end]
}

type ftsToken struct{ off, n, posting uint32 }
type ftsLexeme struct{ off, n, start, end uint32 }

var ftsPool = sync.Pool{New: func() any { return new(ftsPostings) }}

func (p *ftsPostings) lexeme(off, n uint32) []byte { return p.text[off : off+n] }

// build tokenises the memory into p, replacing what p held.
func (p *ftsPostings) build(title, content string, tags []string) {
	p.text, p.toks, p.lexemes, p.posts = p.text[:0], p.toks[:0], p.lexemes[:0], p.posts[:0]
	pos := uint32(0)
	add := func(weight uint32) func([]byte) {
		return func(lex []byte) {
			pos++
			p.toks = append(p.toks, ftsToken{off: uint32(len(p.text)), n: uint32(len(lex)), posting: min(pos, maxPosition)<<2 | weight})
			p.text = append(p.text, lex...)
		}
	}
	tokens(title, add(0))
	tokens(content, add(1))
	for _, t := range tags {
		tokens(t, add(2))
	}
	// Stable: a lexeme's tokens stay in the order of their positions.
	slices.SortStableFunc(p.toks, func(a, b ftsToken) int {
		return bytes.Compare(p.lexeme(a.off, a.n), p.lexeme(b.off, b.n))
	})
	for i := 0; i < len(p.toks); {
		first := p.toks[i]
		start := uint32(len(p.posts))
		j := i
		for ; j < len(p.toks) && bytes.Equal(p.lexeme(p.toks[j].off, p.toks[j].n), p.lexeme(first.off, first.n)); j++ {
			if j-i < maxLexemePosting {
				p.posts = append(p.posts, p.toks[j].posting)
			}
		}
		p.lexemes = append(p.lexemes, ftsLexeme{off: first.off, n: first.n, start: start, end: uint32(len(p.posts))})
		i = j
	}
}

// ftsDocument builds the tsvector literal of a memory (see ftsPostings).
func ftsDocument(title, content string, tags []string) string {
	p := ftsPool.Get().(*ftsPostings)
	defer ftsPool.Put(p)
	p.build(title, content, tags)
	b := make([]byte, 0, 2*len(content)+64)
	for i, lx := range p.lexemes {
		if i > 0 {
			b = append(b, ' ')
		}
		b = quoteLexeme(b, p.lexeme(lx.off, lx.n))
		for j, post := range p.posts[lx.start:lx.end] {
			if j == 0 {
				b = append(b, ':')
			} else {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(post>>2), 10)
			b = append(b, "ABC"[post&3])
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

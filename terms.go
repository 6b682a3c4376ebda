package memory

import (
	"strings"
	"unicode"
)

// MaxQueryTerms bounds the number of terms a query may expand to.
const MaxQueryTerms = 32

// Terms turns free user text into plain search terms: runs of letters and
// digits, lower-cased, without zero-width or bidi controls, without the bare
// operators AND/OR/NOT/NEAR, de-duplicated, at most MaxQueryTerms. Stores
// quote each term, so no user input can reach the FTS query syntax: a query
// like `"AND (` or `NEAR/` yields no operators and never an error.
func Terms(text string) []string {
	var out []string
	seen := map[string]bool{}
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		t := b.String()
		b.Reset()
		switch strings.ToUpper(t) {
		case "AND", "OR", "NOT", "NEAR":
			return
		}
		t = strings.ToLower(t)
		if !seen[t] && len(out) < MaxQueryTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Cf, r): // zero-width, bidi and other format controls
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

package curator

import (
	"strings"
	"unicode"
)

// words splits text into lower-case runs of letters and digits. Apostrophes
// inside a word are dropped rather than splitting it, so "don't" becomes
// "dont" and stays recognisable as a negation.
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
		case r == '.' && b.Len() > 0 && isDigits(b.String()):
			b.WriteRune(r) // keep decimals such as 2.5 whole
		default:
			flush()
		}
	}
	flush()
	for i, w := range out {
		out[i] = strings.TrimRight(w, ".")
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return s != ""
}

// stopwords carry no topic; dropping them keeps two unrelated notes that
// share only "the", "is" and "to" from looking similar.
var stopwords = setOf(`a about above after again all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just me more
most my myself of off on once only or other our ours out over own same she should so some such than
that the their theirs them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours`)

// negations mark a statement as denied; one side having them and the other
// not is the negation signal of the contradiction heuristic.
var negations = setOf(`not no never none nothing cannot cant dont doesnt didnt isnt arent wasnt
werent wont wouldnt shouldnt mustnt hasnt havent hadnt neither nor without`)

// antonyms are word pairs whose presence on opposite sides signals a
// conflicting statement about the same subject.
var antonyms = map[string]string{
	"enabled": "disabled", "enable": "disable", "true": "false", "allow": "deny",
	"allowed": "denied", "always": "never", "increase": "decrease", "accept": "reject",
	"accepted": "rejected", "required": "optional", "success": "failure", "succeeds": "fails",
	"include": "exclude", "sync": "async", "public": "private", "minimum": "maximum",
}

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// contentTokens is the token set used for similarity: words without
// stopwords, de-duplicated.
func contentTokens(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range words(text) {
		if !stopwords[w] {
			set[w] = true
		}
	}
	return set
}

// jaccard is |a∩b| / |a∪b|; two empty sets are not similar.
func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

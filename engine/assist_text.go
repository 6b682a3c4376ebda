package engine

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	memory "github.com/aimemory/ai-memory"
)

// stopwords are dropped from tag and expansion candidates: they co-occur
// with everything and describe nothing.
var stopwords = toSet(strings.Fields(`a about above after again against all also am an and any are as at be
because been before being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just me more most my no
nor not of off on once only or other our ours out over own same she should so some such than that the their
theirs them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours use used using via get got one two new make made
don doesn isn aren wasn weren won shouldn can't t s`))

// negations mark a statement as denying something.
var negations = toSet(strings.Fields(`not no never none cannot without don doesn isn aren wasn weren won
shouldn mustn didn false disabled forbidden deprecated avoid`))

// antonyms are opposite words that signal disagreement between two
// statements about the same subject.
var antonyms = [][2]string{{"enable", "disable"}, {"enabled", "disabled"}, {"true", "false"}, {"allow", "deny"},
	{"allowed", "forbidden"}, {"always", "never"}, {"yes", "no"}, {"on", "off"}, {"increase", "decrease"},
	{"use", "avoid"}, {"required", "optional"}, {"accept", "reject"}, {"success", "failure"}, {"before", "after"},
	{"start", "stop"}, {"open", "closed"}, {"valid", "invalid"}, {"safe", "unsafe"}, {"supported", "unsupported"}}

func toSet(words []string) map[string]bool {
	s := make(map[string]bool, len(words))
	for _, w := range words {
		s[w] = true
	}
	return s
}

// words splits text like memory.Terms but keeps duplicates and has no cap.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// keyword reports whether a word can be a tag or an expansion.
func keyword(w string) bool {
	if len(w) < 3 || len(w) > memory.MaxTagLen || stopwords[w] {
		return false
	}
	_, err := strconv.ParseFloat(w, 64)
	return err != nil
}

// termFreq counts a memory's keywords, the title counting twice.
func termFreq(m memory.Memory) map[string]int {
	tf := map[string]int{}
	for _, w := range words(m.Title) {
		if keyword(w) {
			tf[w] += 2
		}
	}
	for _, w := range words(m.Content) {
		if keyword(w) {
			tf[w]++
		}
	}
	return tf
}

// topTerms returns the n most frequent terms, ties by name.
func topTerms(tf map[string]int, n int) []string {
	out := make([]string, 0, len(tf))
	for t := range tf {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if tf[out[i]] != tf[out[j]] {
			return tf[out[i]] > tf[out[j]]
		}
		return out[i] < out[j]
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func termSet(text string) map[string]bool {
	s := map[string]bool{}
	for _, w := range words(text) {
		s[w] = true
	}
	return s
}

// jaccard is the keyword overlap of two word sets.
func jaccard(a, b map[string]bool) float64 {
	inter, union := 0, 0
	for w := range a {
		if !keyword(w) {
			continue
		}
		union++
		if b[w] {
			inter++
		}
	}
	for w := range b {
		if keyword(w) && !a[w] {
			union++
		}
	}
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func negated(s map[string]bool) bool {
	for w := range s {
		if negations[w] {
			return true
		}
	}
	return false
}

func numbers(s map[string]bool) map[string]bool {
	out := map[string]bool{}
	for w := range s {
		if _, err := strconv.ParseFloat(w, 64); err == nil {
			out[w] = true
		}
	}
	return out
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// rankSuggestions orders scored words best first (ties by name).
func rankSuggestions(score map[string]float64, source string, n int) []TagSuggestion {
	out := make([]TagSuggestion, 0, len(score))
	for t, s := range score {
		out = append(out, TagSuggestion{Tag: t, Score: round3(s), Source: source})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Tag < out[j].Tag
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// splitList parses an LLM's comma- or line-separated list into tags.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		f = strings.ToLower(strings.Trim(strings.TrimSpace(f), "-*#.\"'` "))
		if f != "" && len(f) <= memory.MaxTagLen && !strings.ContainsAny(f, "\t\r") {
			out = append(out, f)
		}
	}
	return out
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func itoa(n int) string { return strconv.Itoa(n) }

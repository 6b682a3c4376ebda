package curator

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// seedCorpus is a synthetic corpus with known answers. Words are invented
// from syllables so no two notes share vocabulary by accident of English.
type seedCorpus struct {
	notes []note
	// dupPairs and contraPairs index notes that are planted near-duplicates
	// and contradictions.
	dupPairs    [][2]int
	contraPairs [][2]int
}

type note struct{ ns, title, content string }

var fillers = strings.Fields("the a of to and in for with on is uses")

func newSeedCorpus(seed uint64, bases, dups, distractors, contras int) *seedCorpus {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	syll := strings.Fields("ka lo mi ne ru ta vo zen pri sol dar vex quo lin mor fen gal hup tir bes cor nad ulm yer")
	vocab := map[string]bool{}
	var words []string
	for len(words) < 600 {
		w := syll[r.IntN(len(syll))] + syll[r.IntN(len(syll))] + syll[r.IntN(len(syll))]
		if !vocab[w] {
			vocab[w] = true
			words = append(words, w)
		}
	}
	pick := func() string { return words[r.IntN(len(words))] }
	sentence := func(n int) string {
		var ws []string
		for i := 0; i < n; i++ {
			if r.IntN(3) == 0 {
				ws = append(ws, fillers[r.IntN(len(fillers))])
			}
			ws = append(ws, pick())
		}
		return strings.ToUpper(ws[0][:1]) + strings.Join(ws, " ")[1:] + "."
	}
	c := &seedCorpus{}
	for i := 0; i < bases; i++ {
		var sents []string
		for k := 0; k < 2+r.IntN(3); k++ {
			sents = append(sents, sentence(6+r.IntN(6)))
		}
		c.notes = append(c.notes, note{ns: "proj", title: pick() + " " + pick() + " " + pick(), content: strings.Join(sents, " ")})
	}
	// Near-duplicates: the same note re-typed, one to three words changed,
	// sentences possibly reordered, title re-cased and re-punctuated.
	for i := 0; i < dups; i++ {
		src := c.notes[i]
		ws := strings.Fields(src.content)
		for k := 0; k < 1+r.IntN(3); k++ {
			switch r.IntN(3) {
			case 0:
				ws[r.IntN(len(ws))] = pick()
			case 1:
				j := r.IntN(len(ws))
				ws = append(ws[:j], ws[j+1:]...)
			default:
				j := r.IntN(len(ws))
				ws = append(ws[:j], append([]string{pick()}, ws[j:]...)...)
			}
		}
		content := strings.Join(ws, " ")
		if r.IntN(2) == 0 {
			if s := sentences(content); len(s) > 1 {
				s[0], s[len(s)-1] = s[len(s)-1], s[0]
				content = strings.Join(s, " ")
			}
		}
		c.notes = append(c.notes, note{ns: "proj", title: strings.ToUpper(src.title) + ":", content: content})
		c.dupPairs = append(c.dupPairs, [2]int{i, len(c.notes) - 1})
	}
	// Distractors: notes on a related subject, keeping 35-75 % of another
	// note's words, and an exact copy in another namespace,
	// which must never be merged across.
	for i := 0; i < distractors; i++ {
		src := c.notes[dups+i%(bases-dups)]
		ws := strings.Fields(src.content)
		keep := 0.35 + 0.4*r.Float64()
		for j := range ws {
			if r.Float64() > keep {
				ws[j] = pick()
			}
		}
		ns := "proj"
		content := strings.Join(ws, " ")
		if i%5 == 0 {
			ns, content = "other", src.content
		}
		c.notes = append(c.notes, note{ns: ns, title: src.title + " " + pick(), content: content})
	}
	// Contradictions: same subject, one number changed or one side negated.
	for i := 0; i < contras; i++ {
		subject := pick() + " " + pick()
		base := sentence(8) + " The " + pick() + " limit is " + strconv.Itoa(10+i) + " requests."
		other := strings.Replace(base, strconv.Itoa(10+i), strconv.Itoa(100+i), 1)
		if i%2 == 1 {
			base = sentence(8) + " The " + pick() + " cache is enabled in production."
			other = strings.Replace(base, "is enabled", "is not enabled", 1)
		}
		c.notes = append(c.notes, note{ns: "proj", title: subject + " settings", content: base})
		c.notes = append(c.notes, note{ns: "proj", title: subject + " settings (current)", content: other})
		c.contraPairs = append(c.contraPairs, [2]int{len(c.notes) - 2, len(c.notes) - 1})
	}
	return c
}

package engine

import (
	"context"
	"math"
	"sort"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// Method names reported by assist results.
const (
	MethodDeterministic = "deterministic"
	MethodConcatenation = "concatenation"
)

// Assistant runs the tools that call for language understanding: auto-tagging,
// contradiction detection, query expansion and summaries. Each has a
// deterministic method built on the corpus's own statistics; when an LLM is
// configured it is tried first and the deterministic method is the fallback,
// so the tools always answer and always say how.
type Assistant struct {
	e   *Engine
	llm LLM
}

// NewAssistant wraps e; llm may be nil.
func NewAssistant(e *Engine, llm LLM) *Assistant { return &Assistant{e: e, llm: llm} }

// LLMName is the configured model, or "" for none.
func (a *Assistant) LLMName() string {
	if a.llm == nil {
		return ""
	}
	return a.llm.Name()
}

// Bounds of the assist tools.
const (
	MaxSuggestions   = 20
	relatedDocs      = 30
	corpusSampleSize = 1000
)

// TextRef names the text an assist tool works on: a stored memory by id,
// or a title and content given inline.
type TextRef struct {
	ID        string `json:"id,omitempty" jsonschema:"id of a stored memory to analyse"`
	Title     string `json:"title,omitempty" jsonschema:"title of a text to analyse instead of a stored memory"`
	Content   string `json:"content,omitempty" jsonschema:"content of a text to analyse instead of a stored memory"`
	Namespace string `json:"namespace,omitempty" jsonschema:"namespace whose memories are compared (default: the memory's own, or all)"`
}

// resolve loads the memory named by ID, or wraps the inline text.
func (a *Assistant) resolve(ctx context.Context, r TextRef) (memory.Memory, error) {
	if r.ID != "" {
		m, err := a.e.active(ctx, r.ID)
		if err != nil {
			return memory.Memory{}, err
		}
		return *m, nil
	}
	if strings.TrimSpace(r.Title+r.Content) == "" {
		return memory.Memory{}, memory.Errorf(memory.CodeInvalid, "give a memory id, or a title and/or content to analyse")
	}
	if len(r.Title)+len(r.Content) > memory.MaxContentBytes+memory.MaxTitleLen*4 {
		return memory.Memory{}, memory.Errorf(memory.CodeTooLarge, "text exceeds %d bytes", memory.MaxContentBytes)
	}
	if r.Namespace != "" {
		if err := memory.ValidateNamespace(r.Namespace); err != nil {
			return memory.Memory{}, err
		}
	}
	return memory.Memory{Title: r.Title, Content: r.Content, Namespace: r.Namespace}, nil
}

// TagSuggestion is one suggested tag and why.
type TagSuggestion struct {
	Tag    string  `json:"tag"`
	Score  float64 `json:"score"`
	Source string  `json:"source"` // corpus_tag, keyword or llm
}

// AutoTagResult lists suggestions; Applied says whether they were added.
type AutoTagResult struct {
	MemoryID string          `json:"memory_id,omitempty"`
	Tags     []TagSuggestion `json:"tags"`
	Applied  bool            `json:"applied"`
	Method   string          `json:"method"`
}

// AutoTag suggests up to max tags for a memory. Deterministically: tags
// already used on the most similar memories (weighted by match rank), then
// the text's most distinctive words (tf·idf over a corpus sample). With
// apply and an id, the tags are added to the memory.
func (a *Assistant) AutoTag(ctx context.Context, ref TextRef, max int, apply bool) (AutoTagResult, error) {
	max = clampLimit(max, 5, MaxSuggestions)
	m, err := a.resolve(ctx, ref)
	if err != nil {
		return AutoTagResult{}, err
	}
	if apply && m.ID == "" {
		return AutoTagResult{}, memory.Errorf(memory.CodeInvalid, "apply needs the id of a stored memory")
	}
	res := AutoTagResult{MemoryID: m.ID, Tags: []TagSuggestion{}}
	have := map[string]bool{}
	for _, t := range m.Tags {
		have[strings.ToLower(t)] = true
	}
	if a.llm != nil {
		reply, err := a.llm.Complete(ctx, "You label notes with short lowercase tags. Reply with a comma-separated list of tags only.",
			"Suggest up to "+itoa(max)+" tags for this note.\nTitle: "+m.Title+"\n\n"+m.Content)
		if err == nil {
			for _, t := range splitList(reply) {
				if !have[t] && len(res.Tags) < max {
					have[t] = true
					res.Tags = append(res.Tags, TagSuggestion{Tag: t, Score: 1, Source: "llm"})
				}
			}
			res.Method = "llm:" + a.llm.Name()
		}
	}
	if res.Method == "" {
		res.Method = MethodDeterministic
		res.Tags, err = a.deterministicTags(ctx, m, have, max)
		if err != nil {
			return AutoTagResult{}, err
		}
	}
	if apply && len(res.Tags) > 0 {
		tags := append([]string{}, m.Tags...)
		for _, s := range res.Tags {
			tags = append(tags, s.Tag)
		}
		if tags = memory.NormalizeTags(tags); len(tags) > memory.MaxTags {
			tags = tags[:memory.MaxTags]
		}
		if _, _, err := a.e.Update(ctx, m.ID, Patch{Tags: &tags}); err != nil {
			return res, err
		}
		res.Applied = true
	}
	return res, nil
}

func (a *Assistant) deterministicTags(ctx context.Context, m memory.Memory, have map[string]bool, max int) ([]TagSuggestion, error) {
	tf := termFreq(m)
	related, err := a.related(ctx, m, topTerms(tf, 16), relatedDocs)
	if err != nil {
		return nil, err
	}
	tagScore := map[string]float64{}
	for rank, h := range related {
		for _, t := range h.Memory.Tags {
			if lt := strings.ToLower(t); !have[lt] && lt != "message" && lt != "agent" {
				tagScore[lt] += 1 / float64(1+rank)
			}
		}
	}
	out := rankSuggestions(tagScore, "corpus_tag", max)
	for _, s := range out {
		have[s.Tag] = true
	}
	if len(out) < max {
		df, n, err := a.docFreq(ctx, m.Namespace)
		if err != nil {
			return nil, err
		}
		kw := map[string]float64{}
		for t, c := range tf {
			if !have[t] {
				kw[t] = float64(c) * math.Log(float64(n+1)/float64(df[t]+1)+1)
			}
		}
		out = append(out, rankSuggestions(kw, "keyword", max-len(out))...)
	}
	return out, nil
}

// Contradiction is a stored memory that may contradict the subject.
type Contradiction struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Overlap float64  `json:"overlap"` // 0..1 similarity of wording
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// ContradictionResult reports the candidates checked and those flagged.
type ContradictionResult struct {
	MemoryID       string          `json:"memory_id,omitempty"`
	Checked        int             `json:"checked"`
	Contradictions []Contradiction `json:"contradictions"`
	Method         string          `json:"method"`
}

// minContradictionOverlap is the wording overlap below which two memories
// are taken to be about different things.
const minContradictionOverlap = 0.2

// DetectContradictions finds memories about the same thing (overlapping
// title and content terms) that disagree: one negates what the other
// affirms, they use opposite words, or they give different numbers.
func (a *Assistant) DetectContradictions(ctx context.Context, ref TextRef, limit int) (ContradictionResult, error) {
	limit = clampLimit(limit, 10, MaxSuggestions)
	m, err := a.resolve(ctx, ref)
	if err != nil {
		return ContradictionResult{}, err
	}
	cands, err := a.related(ctx, m, topTerms(termFreq(m), 24), relatedDocs)
	if err != nil {
		return ContradictionResult{}, err
	}
	others := make([]memory.Memory, len(cands))
	for i := range cands {
		others[i] = cands[i].Memory
	}
	return a.contradictions(ctx, m, others, limit), nil
}

// ComparePair checks whether two stored memories contradict each other
// (the original's form of the tool, which names both).
func (a *Assistant) ComparePair(ctx context.Context, idA, idB string) (ContradictionResult, error) {
	m, err := a.e.active(ctx, idA)
	if err != nil {
		return ContradictionResult{}, err
	}
	other, err := a.e.active(ctx, idB)
	if err != nil {
		return ContradictionResult{}, err
	}
	return a.contradictions(ctx, *m, []memory.Memory{*other}, 1), nil
}

// contradictions flags the others that contradict m, best first, at most
// limit; an LLM, when configured, confirms each flag.
func (a *Assistant) contradictions(ctx context.Context, m memory.Memory, others []memory.Memory, limit int) ContradictionResult {
	res := ContradictionResult{MemoryID: m.ID, Checked: len(others), Contradictions: []Contradiction{}, Method: MethodDeterministic}
	for _, o := range others {
		c, ok := compareStatements(m, o)
		if !ok {
			continue
		}
		if a.llm != nil {
			reply, err := a.llm.Complete(ctx, "You compare two notes. Answer yes if they contradict each other, otherwise no. One word.",
				"A: "+m.Title+"\n"+m.Content+"\n\nB: "+o.Title+"\n"+o.Content)
			if err == nil {
				res.Method = "llm:" + a.llm.Name()
				if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(reply)), "yes") {
					continue
				}
				c.Reasons = append(c.Reasons, "confirmed by "+a.llm.Name())
			}
		}
		res.Contradictions = append(res.Contradictions, c)
	}
	sort.SliceStable(res.Contradictions, func(i, j int) bool { return res.Contradictions[i].Score > res.Contradictions[j].Score })
	if len(res.Contradictions) > limit {
		res.Contradictions = res.Contradictions[:limit]
	}
	return res
}

// compareStatements scores whether b contradicts a.
func compareStatements(a, b memory.Memory) (Contradiction, bool) {
	ta, tb := termSet(a.Title), termSet(b.Title)
	ca, cb := termSet(a.Title+" "+a.Content), termSet(b.Title+" "+b.Content)
	overlap := 0.5*jaccard(ta, tb) + 0.5*jaccard(ca, cb)
	c := Contradiction{ID: b.ID, Title: b.Title, Overlap: round3(overlap), Reasons: []string{}}
	if overlap < minContradictionOverlap {
		return c, false
	}
	if negated(ca) != negated(cb) {
		c.Reasons = append(c.Reasons, "one statement negates what the other affirms")
	}
	for _, p := range antonyms {
		if ca[p[0]] && !ca[p[1]] && cb[p[1]] && !cb[p[0]] || ca[p[1]] && !ca[p[0]] && cb[p[0]] && !cb[p[1]] {
			c.Reasons = append(c.Reasons, "opposite terms: "+p[0]+" / "+p[1])
		}
	}
	if na, nb := numbers(ca), numbers(cb); len(na) > 0 && len(nb) > 0 && !equalSets(na, nb) {
		c.Reasons = append(c.Reasons, "different numbers for the same subject")
	}
	if len(c.Reasons) == 0 {
		return c, false
	}
	c.Score = round3(overlap + 0.25*float64(len(c.Reasons)))
	return c, true
}

// ExpansionResult is an expanded query.
type ExpansionResult struct {
	Query    string   `json:"query"`
	Terms    []string `json:"terms"`
	Added    []string `json:"added"`
	Expanded string   `json:"expanded"`
	Method   string   `json:"method"`
}

// ExpandQuery adds up to max terms that co-occur with the query's terms in
// the memories it matches (no synonym dictionary: the corpus decides).
func (a *Assistant) ExpandQuery(ctx context.Context, query, namespace string, max int) (ExpansionResult, error) {
	max = clampLimit(max, 5, MaxSuggestions)
	terms, err := queryTerms(query)
	if err != nil {
		return ExpansionResult{}, err
	}
	if namespace != "" {
		if err := memory.ValidateNamespace(namespace); err != nil {
			return ExpansionResult{}, err
		}
	}
	res := ExpansionResult{Query: query, Terms: terms, Added: []string{}}
	seen := map[string]bool{}
	for _, t := range terms {
		seen[t] = true
	}
	if a.llm != nil {
		reply, err := a.llm.Complete(ctx, "You expand search queries. Reply with a comma-separated list of related search words only.",
			"Give up to "+itoa(max)+" words to add to this search: "+query)
		if err == nil {
			for _, t := range splitList(reply) {
				for _, w := range memory.Terms(t) {
					if !seen[w] && len(res.Added) < max {
						seen[w] = true
						res.Added = append(res.Added, w)
					}
				}
			}
			res.Method = "llm:" + a.llm.Name()
		}
	}
	if res.Method == "" {
		res.Method = MethodDeterministic
		hits, err := a.e.store.Search(ctx, memory.SearchQuery{ListQuery: memory.ListQuery{Namespace: namespace, Now: a.e.Now(), Limit: relatedDocs}, Terms: terms})
		if err != nil {
			return ExpansionResult{}, err
		}
		score := map[string]float64{}
		for rank, h := range hits {
			for t := range termSet(h.Memory.Title + " " + h.Memory.Content + " " + strings.Join(h.Memory.Tags, " ")) {
				if !seen[t] && keyword(t) {
					score[t] += 1 / float64(1+rank)
				}
			}
		}
		for _, s := range rankSuggestions(score, "", max) {
			res.Added = append(res.Added, s.Tag)
		}
	}
	res.Expanded = strings.Join(append(append([]string{}, terms...), res.Added...), " ")
	return res, nil
}

// Summarize condenses memories: by the LLM when configured, else by
// concatenation.
func (a *Assistant) Summarize(ctx context.Context, ms []memory.Memory) (text, method string) {
	if a.llm != nil {
		reply, err := a.llm.Complete(ctx, "You merge notes into one concise note that keeps every fact.", ConcatSummary(ms))
		if err == nil && len(reply) <= memory.MaxContentBytes {
			return reply, "llm:" + a.llm.Name()
		}
	}
	return ConcatSummary(ms), MethodConcatenation
}

// Consolidate is Engine.Consolidate with the content written by the LLM,
// when one is configured and the caller gave no summary.
func (a *Assistant) Consolidate(ctx context.Context, in ConsolidateInput) (ConsolidateResult, error) {
	return a.e.consolidate(ctx, in, a.Summarize)
}

// related returns active memories matching any of terms, best first,
// without m itself, in m's namespace when it has one.
func (a *Assistant) related(ctx context.Context, m memory.Memory, terms []string, limit int) ([]memory.SearchHit, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	hits, err := a.e.store.Search(ctx, memory.SearchQuery{
		ListQuery: memory.ListQuery{Namespace: m.Namespace, Now: a.e.Now(), Limit: limit + 1}, Terms: terms})
	if err != nil {
		return nil, err
	}
	out := hits[:0]
	for _, h := range hits {
		if h.Memory.ID != m.ID && len(out) < limit {
			out = append(out, h)
		}
	}
	return out, nil
}

// docFreq counts in how many of the newest corpusSampleSize memories of
// namespace ("" for all) each keyword appears.
func (a *Assistant) docFreq(ctx context.Context, namespace string) (map[string]int, int, error) {
	q := memory.ListQuery{Namespace: namespace, Now: a.e.Now()}
	n, err := a.e.store.CountMemories(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	q.Offset, q.Limit = max(0, n-corpusSampleSize), corpusSampleSize
	ms, _, err := a.e.store.ListMemories(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	df := map[string]int{}
	for i := range ms {
		for t := range termSet(ms[i].Title + " " + ms[i].Content) {
			df[t]++
		}
	}
	return df, len(ms), nil
}

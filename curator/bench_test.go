package curator

import (
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// BenchmarkAnalyse measures the pure analysis of a 10 000-memory namespace
// (duplicate and contradiction join, keywords): go test -bench Analyse ./curator
func BenchmarkAnalyse(b *testing.B) {
	c := newSeedCorpus(3, 8000, 1000, 900, 50)
	docs := make([]doc, len(c.notes))
	for i, n := range c.notes {
		docs[i] = newDoc(memory.Memory{ID: memory.NewID(memory.MakeHLC(0, 0).Time()), Title: n.title, Content: n.content, Namespace: "proj"})
	}
	b.ResetTimer()
	for range b.N {
		dups, contras := classifyPairs(docs, DefaultDuplicateThreshold, DefaultSubjectThreshold)
		clusters(docs, dups, contras)
		keywords(docs, maxAutoTags)
	}
	b.ReportMetric(float64(len(docs)), "memories")
}

package engine

import (
	"context"
	"slices"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// seedCorpus stores a small corpus about two subjects.
func seedCorpus(t *testing.T, e *Engine) map[string]memory.Memory {
	t.Helper()
	out := map[string]memory.Memory{}
	for _, m := range []NewMemory{
		{Title: "Postgres backups", Content: "nightly pg_dump of the postgres cluster to object storage", Tags: []string{"database", "backup"}, Namespace: "ops"},
		{Title: "Postgres vacuum", Content: "autovacuum tuning for the postgres cluster", Tags: []string{"database"}, Namespace: "ops"},
		{Title: "Postgres upgrades", Content: "upgrade the postgres cluster with pg_upgrade during the window", Tags: []string{"database", "maintenance"}, Namespace: "ops"},
		{Title: "Lunch menu", Content: "pizza on fridays", Tags: []string{"food"}, Namespace: "ops"},
		{Title: "Cache policy", Content: "the redis cache is enabled for sessions with a ttl of 30 minutes", Namespace: "ops"},
	} {
		out[m.Title] = mustStore(t, e, m)
	}
	return out
}

func TestAutoTagUsesCorpusTagsThenKeywords(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	seedCorpus(t, e)
	a := NewAssistant(e, nil)
	target := mustStore(t, e, NewMemory{Title: "Postgres failover", Content: "promote the replica of the postgres cluster; patroni handles failover", Namespace: "ops"})
	res, err := a.AutoTag(ctx, TextRef{ID: target.ID}, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != MethodDeterministic || !res.Applied || len(res.Tags) != 4 {
		t.Fatalf("auto_tag = %+v; want 4 deterministic tags applied", res)
	}
	if res.Tags[0].Tag != "database" || res.Tags[0].Source != "corpus_tag" {
		t.Fatalf("best tag = %+v; want the corpus tag database", res.Tags[0])
	}
	var kws []string
	for _, s := range res.Tags {
		if s.Source == "keyword" {
			kws = append(kws, s.Tag)
		}
	}
	if !slices.Contains(kws, "failover") && !slices.Contains(kws, "patroni") {
		t.Fatalf("keywords %v; want the distinctive words of the text", kws)
	}
	if slices.Contains(kws, "the") || slices.Contains(kws, "food") {
		t.Fatalf("keywords %v hold a stopword or an unrelated tag", kws)
	}
	m, _, _ := e.Get(ctx, target.ID)
	if !slices.Contains(m.Tags, "database") {
		t.Fatalf("apply did not add tags: %v", m.Tags)
	}
	// Inline text works without storing; apply needs an id.
	if _, err := a.AutoTag(ctx, TextRef{Title: "x", Content: "y"}, 0, true); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("apply without id: %v", err)
	}
	if _, err := a.AutoTag(ctx, TextRef{}, 0, false); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("empty input: %v", err)
	}
}

func TestDetectContradictionFlagsNegationAndNumbers(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	corpus := seedCorpus(t, e)
	a := NewAssistant(e, nil)
	res, err := a.DetectContradictions(ctx, TextRef{Title: "Cache policy", Content: "the redis cache is not enabled for sessions", Namespace: "ops"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contradictions) == 0 || res.Contradictions[0].ID != corpus["Cache policy"].ID {
		t.Fatalf("contradictions = %+v; want the cache policy memory", res)
	}
	if res.Method != MethodDeterministic || res.Checked == 0 || len(res.Contradictions[0].Reasons) == 0 {
		t.Fatalf("result = %+v", res)
	}
	// An agreeing statement is not a contradiction.
	agree, err := a.DetectContradictions(ctx, TextRef{Title: "Cache policy", Content: "the redis cache is enabled for sessions with a ttl of 30 minutes", Namespace: "ops"}, 0)
	if err != nil || len(agree.Contradictions) != 0 {
		t.Fatalf("agreeing text flagged: %+v, %v", agree, err)
	}
	nums, _ := a.DetectContradictions(ctx, TextRef{Title: "Cache policy", Content: "the redis cache is enabled for sessions with a ttl of 5 minutes", Namespace: "ops"}, 0)
	if len(nums.Contradictions) != 1 || nums.Contradictions[0].ID != corpus["Cache policy"].ID {
		t.Fatalf("different ttl not flagged: %+v", nums)
	}
}

func TestExpandQueryFromCoOccurrence(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	seedCorpus(t, e)
	a := NewAssistant(e, nil)
	res, err := a.ExpandQuery(ctx, "postgres", "ops", 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != MethodDeterministic || len(res.Added) != 3 || !slices.Contains(res.Added, "cluster") {
		t.Fatalf("expansion = %+v; want 3 terms including cluster", res)
	}
	if slices.Contains(res.Added, "pizza") || slices.Contains(res.Added, "postgres") {
		t.Fatalf("expansion %v holds an unrelated or original term", res.Added)
	}
	if res.Expanded[:8] != "postgres" {
		t.Fatalf("expanded %q does not start with the query", res.Expanded)
	}
	if _, err := a.ExpandQuery(ctx, "!!", "", 0); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("query without words: %v", err)
	}
}

func TestSummarizeWithoutLLMConcatenates(t *testing.T) {
	a := NewAssistant(openExtrasEngine(t), nil)
	text, method := a.Summarize(context.Background(), []memory.Memory{{Title: "A", Content: "one"}, {Title: "B", Content: "two"}})
	if method != MethodConcatenation || text != "## A\none\n\n## B\ntwo" {
		t.Fatalf("summary %q by %s", text, method)
	}
}

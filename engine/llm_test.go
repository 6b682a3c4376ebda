package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// scriptedLLM answers with reply(system, prompt), as a configured model.
type scriptedLLM struct {
	reply func(system, prompt string) (string, error)
	calls int
}

func (l *scriptedLLM) Complete(_ context.Context, system, prompt string) (string, error) {
	l.calls++
	return l.reply(system, prompt)
}

func (l *scriptedLLM) Name() string { return "scripted:m1" }

func TestAssistUsesConfiguredLLM(t *testing.T) {
	ctx := context.Background()
	llm := &scriptedLLM{reply: func(system, _ string) (string, error) {
		switch {
		case strings.Contains(system, "tags"):
			return "Databases, replication\nha", nil
		case strings.Contains(system, "expand"):
			return "replica, standby", nil
		case strings.Contains(system, "contradict"):
			return "Yes.", nil
		}
		return "merged summary", nil
	}}
	e := openExtrasEngine(t)
	corpus := seedCorpus(t, e)
	a := NewAssistant(e, llm)
	tags, err := a.AutoTag(ctx, TextRef{Title: "Failover", Content: "postgres failover"}, 5, false)
	if err != nil || tags.Method != "llm:scripted:m1" || len(tags.Tags) != 3 || tags.Tags[0].Tag != "databases" {
		t.Fatalf("auto_tag = %+v, %v", tags, err)
	}
	exp, err := a.ExpandQuery(ctx, "postgres", "", 5)
	if err != nil || exp.Expanded != "postgres replica standby" {
		t.Fatalf("expand = %+v, %v", exp, err)
	}
	con, err := a.DetectContradictions(ctx, TextRef{Title: "Cache policy", Content: "the redis cache is not enabled for sessions", Namespace: "ops"}, 0)
	if err != nil || len(con.Contradictions) != 1 || con.Contradictions[0].ID != corpus["Cache policy"].ID ||
		!strings.Contains(strings.Join(con.Contradictions[0].Reasons, ";"), "confirmed by") {
		t.Fatalf("contradictions = %+v, %v", con, err)
	}
	text, method := a.Summarize(ctx, []memory.Memory{{Title: "a", Content: "b"}})
	if text != "merged summary" || method != "llm:scripted:m1" {
		t.Fatalf("summary %q by %s", text, method)
	}
	if llm.calls < 4 {
		t.Fatalf("LLM called %d times", llm.calls)
	}
}

func TestAssistFallsBackWhenLLMFails(t *testing.T) {
	llm := &scriptedLLM{reply: func(string, string) (string, error) { return "", errors.New("answered 503") }}
	e := openExtrasEngine(t)
	seedCorpus(t, e)
	a := NewAssistant(e, llm)
	res, err := a.ExpandQuery(context.Background(), "postgres", "ops", 2)
	if err != nil || res.Method != MethodDeterministic || len(res.Added) != 2 {
		t.Fatalf("expand with a failing LLM = %+v, %v; want the deterministic result", res, err)
	}
	if llm.calls != 1 {
		t.Fatalf("LLM asked %d times; want once before falling back", llm.calls)
	}
}

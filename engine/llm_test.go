package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// chatServer implements the OpenAI chat-completions API (and Ollama's
// /api/chat) on loopback, answering with reply(prompt).
func chatServer(t *testing.T, reply func(system, prompt string) string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Model    string        `json:"model"`
			Messages []chatMessage `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 || req.Model != "m1" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		msg := chatMessage{Role: "assistant", Content: reply(req.Messages[0].Content, req.Messages[1].Content)}
		switch r.URL.Path {
		case "/v1/chat/completions":
			json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": msg}}})
		case "/api/chat":
			json.NewEncoder(w).Encode(map[string]any{"message": msg, "done": true})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestAssistUsesConfiguredLLM(t *testing.T) {
	ctx := context.Background()
	srv, calls := chatServer(t, func(system, prompt string) string {
		switch {
		case strings.Contains(system, "tags"):
			return "Databases, replication\nha"
		case strings.Contains(system, "expand"):
			return "replica, standby"
		case strings.Contains(system, "contradict"):
			return "Yes."
		}
		return "merged summary"
	})
	for _, kind := range []string{"openai", "ollama"} {
		base := srv.URL + "/v1"
		if kind == "ollama" {
			base = srv.URL
		}
		llm, err := NewHTTPLLM(kind, base, "m1", "k")
		if err != nil {
			t.Fatal(err)
		}
		e := openExtrasEngine(t)
		corpus := seedCorpus(t, e)
		a := NewAssistant(e, llm)
		tags, err := a.AutoTag(ctx, TextRef{Title: "Failover", Content: "postgres failover"}, 5, false)
		if err != nil || tags.Method != "llm:"+kind+":m1" || len(tags.Tags) != 3 || tags.Tags[0].Tag != "databases" {
			t.Fatalf("%s auto_tag = %+v, %v", kind, tags, err)
		}
		exp, err := a.ExpandQuery(ctx, "postgres", "", 5)
		if err != nil || exp.Expanded != "postgres replica standby" {
			t.Fatalf("%s expand = %+v, %v", kind, exp, err)
		}
		con, err := a.DetectContradictions(ctx, TextRef{Title: "Cache policy", Content: "the redis cache is not enabled for sessions", Namespace: "ops"}, 0)
		if err != nil || len(con.Contradictions) != 1 || con.Contradictions[0].ID != corpus["Cache policy"].ID ||
			!strings.Contains(strings.Join(con.Contradictions[0].Reasons, ";"), "confirmed by") {
			t.Fatalf("%s contradictions = %+v, %v", kind, con, err)
		}
		text, method := a.Summarize(ctx, []memory.Memory{{Title: "a", Content: "b"}})
		if text != "merged summary" || method != "llm:"+kind+":m1" {
			t.Fatalf("%s summary %q by %s", kind, text, method)
		}
	}
	if calls.Load() < 6 {
		t.Fatalf("LLM called %d times", calls.Load())
	}
}

func TestAssistFallsBackWhenLLMFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	llm, err := NewHTTPLLM("openai", srv.URL, "m1", "")
	if err != nil {
		t.Fatal(err)
	}
	e := openExtrasEngine(t)
	seedCorpus(t, e)
	a := NewAssistant(e, llm)
	res, err := a.ExpandQuery(context.Background(), "postgres", "ops", 2)
	if err != nil || res.Method != MethodDeterministic || len(res.Added) != 2 {
		t.Fatalf("expand with a failing LLM = %+v, %v; want the deterministic result", res, err)
	}
	if _, err := llm.Complete(context.Background(), "s", "p"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("complete against a 503: %v", err)
	}
}

func TestLLMFromEnv(t *testing.T) {
	t.Setenv(EnvLLMURL, "")
	if l, err := LLMFromEnv(); l != nil || err != nil {
		t.Fatalf("unset env gave %v, %v", l, err)
	}
	t.Setenv(EnvLLMURL, "http://127.0.0.1:11434")
	t.Setenv(EnvLLMModel, "llama3")
	t.Setenv(EnvLLMKind, "ollama")
	l, err := LLMFromEnv()
	if err != nil || l.Name() != "ollama:llama3" {
		t.Fatalf("ollama env gave %v, %v", l, err)
	}
	t.Setenv(EnvLLMKind, "bard")
	if _, err := LLMFromEnv(); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("unknown kind: %v", err)
	}
	t.Setenv(EnvLLMKind, "")
	t.Setenv(EnvLLMModel, "")
	if _, err := LLMFromEnv(); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("missing model: %v", err)
	}
}

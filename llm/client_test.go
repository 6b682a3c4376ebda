package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// chatServer implements the OpenAI chat-completions API and Ollama's
// /api/chat on loopback, answering "<system>|<prompt>"; it requires model
// m1 and, when key is set, that bearer key.
func chatServer(t *testing.T, key string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string        `json:"model"`
			Messages []chatMessage `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 || req.Model != "m1" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		msg := chatMessage{Role: "assistant", Content: req.Messages[0].Content + "|" + req.Messages[1].Content}
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
	return srv
}

func TestCompleteSpeaksOpenAIAndOllama(t *testing.T) {
	srv := chatServer(t, "k")
	for kind, base := range map[string]string{"openai": srv.URL + "/v1/", "ollama": srv.URL} {
		c, err := New(kind, base, "m1", "k")
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Complete(context.Background(), "sys", "hello")
		if err != nil || got != "sys|hello" || c.Name() != kind+":m1" {
			t.Fatalf("%s: %q from %s, %v", kind, got, c.Name(), err)
		}
	}
	wrongKey, _ := New("openai", srv.URL+"/v1", "m1", "other")
	if _, err := wrongKey.Complete(context.Background(), "s", "p"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong key: %v; want the 401 reported", err)
	}
}

func TestCompleteReportsFailures(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": " "}}}})
	}))
	t.Cleanup(empty.Close)
	for url, want := range map[string]string{down.URL: "503", empty.URL: "empty reply"} {
		c, _ := New("openai", url, "m1", "")
		if _, err := c.Complete(context.Background(), "s", "p"); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v; want an error naming %q", url, err, want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvLLMURL, "")
	if l, err := FromEnv(); l != nil || err != nil {
		t.Fatalf("unset env gave %v, %v", l, err)
	}
	t.Setenv(EnvLLMURL, "http://127.0.0.1:11434")
	t.Setenv(EnvLLMModel, "llama3")
	t.Setenv(EnvLLMKind, "ollama")
	l, err := FromEnv()
	if err != nil || l.Name() != "ollama:llama3" {
		t.Fatalf("ollama env gave %v, %v", l, err)
	}
	t.Setenv(EnvLLMKind, "bard")
	if _, err := FromEnv(); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("unknown kind: %v", err)
	}
	t.Setenv(EnvLLMKind, "")
	t.Setenv(EnvLLMModel, "")
	if _, err := FromEnv(); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("missing model: %v", err)
	}
	t.Setenv(EnvLLMModel, "m")
	t.Setenv(EnvLLMURL, "ftp://x")
	if _, err := FromEnv(); memory.ErrorCode(err) != memory.CodeInvalid {
		t.Fatalf("non-http URL: %v", err)
	}
}

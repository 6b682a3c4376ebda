package mcpserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aimemory/ai-memory/llm"
)

func TestConfiguredLLMIsUsedAndReported(t *testing.T) {
	chat := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": "one merged note"}}}})
	}))
	t.Cleanup(chat.Close)
	client, err := llm.New("openai", chat.URL+"/v1", "m1", "")
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, openEngine(t), Options{LLM: client})
	a := ok(t, cs, "memory_store", map[string]any{"title": "a", "content": "first"})
	b := ok(t, cs, "memory_store", map[string]any{"title": "b", "content": "second"})
	con := ok(t, cs, "memory_consolidate", map[string]any{"ids": []string{str(a, "id"), str(b, "id")}, "title": "merged"})
	if str(con, "method") != "llm:openai:m1" || str(con, "memory", "content") != "one merged note" {
		t.Fatalf("consolidate with an LLM = %v", con)
	}
	given := ok(t, cs, "memory_store", map[string]any{"title": "c", "content": "third"})
	d := ok(t, cs, "memory_store", map[string]any{"title": "d", "content": "fourth"})
	own := ok(t, cs, "memory_consolidate", map[string]any{"ids": []string{str(given, "id"), str(d, "id")}, "title": "mine", "summary": "my words"})
	if str(own, "method") != "provided" || str(own, "memory", "content") != "my words" {
		t.Fatalf("consolidate with a summary = %v", own)
	}
	caps := ok(t, cs, "memory_capabilities", nil)
	if str(caps, "llm") != "openai:m1" || str(caps, "assist_method") != "llm:openai:m1 (deterministic fallback)" {
		t.Fatalf("capabilities = %v", caps)
	}
}

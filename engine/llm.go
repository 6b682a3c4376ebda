package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// LLM is an optional language model behind the assist tools. With none
// configured every assist tool uses its deterministic method.
type LLM interface {
	// Complete answers prompt under the system instruction.
	Complete(ctx context.Context, system, prompt string) (string, error)
	// Name says which model answered, for the "method" field of results.
	Name() string
}

// Environment variables that configure the LLM.
const (
	EnvLLMURL    = "AI_MEMORY_LLM_URL"   // base URL: https://host/v1 (openai) or http://host:11434 (ollama)
	EnvLLMModel  = "AI_MEMORY_LLM_MODEL" // model name
	EnvLLMKind   = "AI_MEMORY_LLM_KIND"  // openai (default) or ollama
	EnvLLMAPIKey = "AI_MEMORY_LLM_API_KEY"
)

// LLMFromEnv builds the configured LLM, or returns nil when AI_MEMORY_LLM_URL
// is unset.
func LLMFromEnv() (LLM, error) {
	u := os.Getenv(EnvLLMURL)
	if u == "" {
		return nil, nil
	}
	return NewHTTPLLM(os.Getenv(EnvLLMKind), u, os.Getenv(EnvLLMModel), os.Getenv(EnvLLMAPIKey))
}

// HTTPLLM speaks the OpenAI chat-completions API or Ollama's /api/chat.
type HTTPLLM struct {
	kind, base, model, apiKey string
	client                    *http.Client
}

// NewHTTPLLM checks the settings and returns a client.
func NewHTTPLLM(kind, baseURL, model, apiKey string) (*HTTPLLM, error) {
	if kind == "" {
		kind = "openai"
	}
	if kind != "openai" && kind != "ollama" {
		return nil, memory.Errorf(memory.CodeInvalid, "%s=%q: want openai or ollama", EnvLLMKind, kind)
	}
	if model == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "%s is set but %s is empty", EnvLLMURL, EnvLLMModel)
	}
	if !strings.HasPrefix(baseURL, "http://") && !strings.HasPrefix(baseURL, "https://") {
		return nil, memory.Errorf(memory.CodeInvalid, "%s=%q: want an http(s) URL", EnvLLMURL, baseURL)
	}
	return &HTTPLLM{kind: kind, base: strings.TrimRight(baseURL, "/"), model: model, apiKey: apiKey,
		client: &http.Client{Timeout: 60 * time.Second}}, nil
}

// Name is kind:model.
func (l *HTTPLLM) Name() string { return l.kind + ":" + l.model }

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Complete sends one system and one user message and returns the reply.
func (l *HTTPLLM) Complete(ctx context.Context, system, prompt string) (string, error) {
	msgs := []chatMessage{{Role: "system", Content: system}, {Role: "user", Content: prompt}}
	path, body := "/chat/completions", map[string]any{"model": l.model, "messages": msgs, "temperature": 0}
	if l.kind == "ollama" {
		path, body = "/api/chat", map[string]any{"model": l.model, "messages": msgs, "stream": false}
	}
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.base+path, bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if l.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+l.apiKey)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %d: %.200s", l.Name(), resp.StatusCode, data)
	}
	var out struct {
		Choices []struct {
			Message chatMessage `json:"message"`
		} `json:"choices"`
		Message chatMessage `json:"message"` // ollama
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", fmt.Errorf("%s: undecodable reply: %v", l.Name(), err)
	}
	text := out.Message.Content
	if len(out.Choices) > 0 {
		text = out.Choices[0].Message.Content
	}
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("%s returned an empty reply", l.Name())
	}
	return text, nil
}

// Package llm is the client of the language model behind the assist tools:
// the OpenAI chat-completions API or Ollama's /api/chat, configured from
// the environment.
package llm

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

// Environment variables that configure the model.
const (
	EnvLLMURL    = "AI_MEMORY_LLM_URL"   // base URL: https://host/v1 (openai) or http://host:11434 (ollama)
	EnvLLMModel  = "AI_MEMORY_LLM_MODEL" // model name
	EnvLLMKind   = "AI_MEMORY_LLM_KIND"  // openai (default) or ollama
	EnvLLMAPIKey = "AI_MEMORY_LLM_API_KEY"
)

// FromEnv builds the client the environment configures, or returns nil
// when AI_MEMORY_LLM_URL is unset.
func FromEnv() (*Client, error) {
	u := os.Getenv(EnvLLMURL)
	if u == "" {
		return nil, nil
	}
	return New(os.Getenv(EnvLLMKind), u, os.Getenv(EnvLLMModel), os.Getenv(EnvLLMAPIKey))
}

// Client speaks the OpenAI chat-completions API or Ollama's /api/chat. It
// implements engine.LLM.
type Client struct {
	kind, base, model, apiKey string
	client                    *http.Client
}

// New checks the settings and returns a client.
func New(kind, baseURL, model, apiKey string) (*Client, error) {
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
	return &Client{kind: kind, base: strings.TrimRight(baseURL, "/"), model: model, apiKey: apiKey,
		client: &http.Client{Timeout: 60 * time.Second}}, nil
}

// Name is kind:model.
func (l *Client) Name() string { return l.kind + ":" + l.model }

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Complete sends one system and one user message and returns the reply.
func (l *Client) Complete(ctx context.Context, system, prompt string) (string, error) {
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

package engine

import "context"

// LLM is an optional language model behind the assist tools (package llm
// speaks to OpenAI-style and Ollama servers). With none configured every
// assist tool uses its deterministic method.
type LLM interface {
	// Complete answers prompt under the system instruction.
	Complete(ctx context.Context, system, prompt string) (string, error)
	// Name says which model answered, for the "method" field of results.
	Name() string
}

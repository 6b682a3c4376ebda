package mcpserver

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type autoTagIn struct {
	engine.TextRef
	Max   int  `json:"max,omitempty" jsonschema:"suggestions 1..20 (default 5)"`
	Apply bool `json:"apply,omitempty" jsonschema:"add the suggested tags to the memory (needs id)"`
}

type contradictionIn struct {
	engine.TextRef
	Limit int `json:"limit,omitempty" jsonschema:"contradictions reported 1..20 (default 10)"`
}

type expandIn struct {
	Query     string `json:"query" jsonschema:"the search to expand"`
	Namespace string `json:"namespace,omitempty" jsonschema:"learn co-occurring terms from this namespace only"`
	Max       int    `json:"max,omitempty" jsonschema:"terms to add 1..20 (default 5)"`
}

// textRefProps bound the inline text of the assist tools.
var textRefProps = map[string][]prop{"id": idBounds, "title": {strLen(0, memory.MaxTitleLen)},
	"content": contentBounds, "namespace": namespaceBounds}

func (s *server) addAssistTools(ms *mcp.Server) {
	tool(ms, "memory_auto_tag", "Suggest tags",
		"Suggest tags for a memory (by id) or for a title/content: tags used on similar memories, then the text's most distinctive words. Uses the configured LLM if any; method says which was used. apply=true adds them.",
		false, merge(textRefProps, map[string][]prop{"max": {intRange(1, engine.MaxSuggestions)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in autoTagIn) (engine.AutoTagResult, error) {
			return s.assist.AutoTag(ctx, in.TextRef, in.Max, in.Apply)
		})

	tool(ms, "memory_detect_contradiction", "Find contradicting memories",
		"Find stored memories about the same subject (overlapping title/content words) that disagree with a memory or a text: negation, opposite terms or different numbers. Uses the configured LLM to confirm if any; method says which was used.",
		true, merge(textRefProps, map[string][]prop{"limit": {intRange(1, engine.MaxSuggestions)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in contradictionIn) (engine.ContradictionResult, error) {
			return s.assist.DetectContradictions(ctx, in.TextRef, in.Limit)
		})

	tool(ms, "memory_expand_query", "Expand a search query",
		"Add related terms to a query: words that co-occur with it in the stored memories (or the LLM's suggestions when configured); use expanded with memory_recall.",
		true, map[string][]prop{"query": {strLen(1, 1000)}, "namespace": namespaceBounds, "max": {intRange(1, engine.MaxSuggestions)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in expandIn) (engine.ExpansionResult, error) {
			return s.assist.ExpandQuery(ctx, in.Query, in.Namespace, in.Max)
		})
}

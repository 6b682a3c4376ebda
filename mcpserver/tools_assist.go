package mcpserver

import (
	"context"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type autoTagIn struct {
	engine.TextRef
	Max   int  `json:"max,omitempty"`
	Apply bool `json:"apply,omitempty"`
}

type contradictionIn struct {
	engine.TextRef
	Limit int `json:"limit,omitempty"`
	// IDB, with id, compares just the two memories (unlisted: the
	// original's form, id_a and id_b).
	IDB string `json:"id_b,omitempty"`
}

type expandIn struct {
	Query     string `json:"query"`
	Namespace string `json:"namespace,omitempty"`
	Max       int    `json:"max,omitempty"`
}

// textRefProps bound the inline text of the assist tools; the tool
// descriptions say how id and title/content relate.
var textRefProps = map[string][]prop{"id": slices.Concat(idBounds, []prop{undescribed}),
	"title": {strLen(0, memory.MaxTitleLen), undescribed}, "content": slices.Concat(contentBounds, []prop{undescribed}),
	"namespace": slices.Concat(namespaceBounds, []prop{undescribed})}

func (s *server) addAssistTools(tb *toolbox) {
	tool(tb, "memory_auto_tag",
		"Suggest tags for a memory (id) or a text (title, content); apply=true adds them to the memory.",
		false, merge(textRefProps, map[string][]prop{"max": {intRange(1, engine.MaxSuggestions)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in autoTagIn) (engine.AutoTagResult, error) {
			return s.assist.AutoTag(ctx, in.TextRef, in.Max, in.Apply)
		})

	tool(tb, "memory_detect_contradiction",
		"Find stored memories that contradict a memory (id) or a text (title, content).",
		true, merge(textRefProps, map[string][]prop{"limit": {intRange(1, engine.MaxSuggestions)}, "id_b": slices.Concat(idBounds, []prop{unlisted})}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in contradictionIn) (engine.ContradictionResult, error) {
			if in.IDB != "" {
				if in.ID == "" {
					return engine.ContradictionResult{}, memory.Errorf(memory.CodeInvalid, "id_b compares two memories: give id_a (or id) too")
				}
				return s.assist.ComparePair(ctx, in.ID, in.IDB)
			}
			return s.assist.DetectContradictions(ctx, in.TextRef, in.Limit)
		})

	tool(tb, "memory_expand_query",
		"Add related terms to a query, to broaden a memory_recall.",
		true, map[string][]prop{"query": {strLen(1, 1000)}, "namespace": namespaceBounds, "max": {intRange(1, engine.MaxSuggestions)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in expandIn) (engine.ExpansionResult, error) {
			return s.assist.ExpandQuery(ctx, in.Query, in.Namespace, in.Max)
		})
}

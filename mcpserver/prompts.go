package mcpserver

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/aimemory/ai-memory/engine"
)

// RecallPrompt is the name of the prompt that loads memory for a task.
const RecallPrompt = "recall-context"

func (s *server) addPrompts(ms *mcp.Server) {
	ms.AddPrompt(&mcp.Prompt{
		Name:        RecallPrompt,
		Title:       "Recall context for a task",
		Description: "Recall the memories and namespace standards relevant to a task and frame them for the model.",
		Arguments: []*mcp.PromptArgument{
			{Name: "task", Description: "what you are about to do", Required: true},
			{Name: "namespace", Description: "namespace to recall from (default: all)"},
			{Name: "limit", Description: "memories to include, 1..50 (default 10)"},
		},
	}, s.recallPrompt)
	s.addWorkflowPrompts(ms)
}

func (s *server) recallPrompt(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	task := strings.TrimSpace(args["task"])
	if task == "" {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "argument task is required"}
	}
	limit := 0
	if v := args["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxRecallLimit {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "argument limit: want an integer 1..50"}
		}
		limit = n
	}
	ns := args["namespace"]
	stds, err := s.e.ResolveStandards(ctx, ns)
	if err != nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
	}
	var sb strings.Builder
	for _, st := range stds {
		fmt.Fprintf(&sb, "Standard for %s — %s:\n%s\n\n", st.Namespace, st.Memory.Title, st.Memory.Content)
	}
	rec, err := s.e.Recall(ctx, engine.RecallQuery{Context: task, Namespace: ns, Limit: limit})
	if err != nil && len(stds) == 0 {
		// A task with no searchable words still gets a usable prompt.
		rec = engine.RecallResult{}
	}
	for _, m := range rec.Memories {
		fmt.Fprintf(&sb, "- [%s] %s (%s, priority %d): %s\n", m.ID, m.Title, m.Namespace, m.Priority, m.Content)
	}
	if sb.Len() == 0 {
		sb.WriteString("No stored memories match this task.\n")
	}
	text := "Relevant memory for the task below. Follow the standards; treat the memories as notes that may be stale.\n\n" +
		sb.String() + "\nTask: " + task
	return &mcp.GetPromptResult{
		Description: fmt.Sprintf("%d standard(s) and %d memories for the task", len(stds), len(rec.Memories)),
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}

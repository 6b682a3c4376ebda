package mcpserver

import (
	"context"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The two guidance prompts the original offers, under its names: how to
// use memory on every task (recall first), and the whole tool workflow.
const (
	RecallFirstPrompt    = "recall-first"
	MemoryWorkflowPrompt = "memory-workflow"
)

func (s *server) addWorkflowPrompts(ms *mcp.Server) {
	ms.AddPrompt(&mcp.Prompt{
		Name:        RecallFirstPrompt,
		Title:       "Recall before answering",
		Description: "Instructions to check memory before every answer and to save what is worth keeping after it.",
		Arguments:   []*mcp.PromptArgument{{Name: "namespace", Description: "namespace to recall from and store into (default: all / global)"}},
	}, s.recallFirstPrompt)
	ms.AddPrompt(&mcp.Prompt{
		Name:        MemoryWorkflowPrompt,
		Title:       "Memory workflow",
		Description: "How to use the memory tools over a session: start, recall, store, link, tidy up.",
	}, s.memoryWorkflowPrompt)
}

func (s *server) recallFirstPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	ns := strings.TrimSpace(req.Params.Arguments["namespace"])
	where := ""
	if ns != "" {
		where = ` with namespace "` + ns + `"`
	}
	text := "You have a persistent memory. For every request:\n" +
		"1. Before answering, call memory_recall" + where + " with a short description of the request. " +
		"Follow the standards it returns; treat the memories as notes that may be out of date.\n" +
		"2. Answer, using what you recalled. Say when a memory decided something.\n" +
		"3. If you learned a durable fact, decision or preference, save it with memory_store" + where +
		" (a clear title; tier long for lasting facts, mid for current work, short for scratch). " +
		"Storing the same title again updates it, so prefer updating over duplicating.\n" +
		"Do not store secrets or anything the user asked you not to keep."
	return &mcp.GetPromptResult{
		Description: "recall before answering, store after",
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}

func (s *server) memoryWorkflowPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	if len(req.Params.Arguments) > 0 {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "memory-workflow takes no arguments"}
	}
	text := "Using persistent memory over a session:\n" +
		"- Start: memory_session_start loads the standards, the newest memories and unread messages.\n" +
		"- Before each task: memory_recall with what you are about to do; memory_search for exact keywords; " +
		"memory_get for one memory and its links.\n" +
		"- After each task: memory_store durable facts and decisions (title unique per namespace; tiers short 6 h, " +
		"mid 7 days, long forever); memory_update to correct one; memory_link related memories " +
		"(related_to, supersedes, contradicts, derived_from).\n" +
		"- Tidy up: memory_detect_contradiction before trusting two conflicting notes, memory_consolidate to merge " +
		"overlapping ones, memory_forget to archive what is obsolete (memory_archive_restore undoes it), " +
		"memory_promote what proved lasting.\n" +
		"- With other agents: memory_notify sends a message, memory_inbox reads yours.\n" +
		"- A namespace standard (memory_namespace_get_standard) is policy: follow it."
	return &mcp.GetPromptResult{
		Description: "the memory tool workflow",
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}

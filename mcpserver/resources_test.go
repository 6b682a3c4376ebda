package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/aimemory/ai-memory/engine"
)

func TestMemoryURIRoundTrip(t *testing.T) {
	for _, ns := range []string{"global", "proj/sub/leaf", "a:b.c_d-e"} {
		uri := "memory://" + strings.ReplaceAll(ns, "/", "%2F") + "/01ARZ3NDEKTSV4RRFFQ69G5FAV"
		gotNS, id, ok := parseMemoryURI(uri)
		if !ok || gotNS != ns || id != "01ARZ3NDEKTSV4RRFFQ69G5FAV" {
			t.Fatalf("parse %q = %q %q %v", uri, gotNS, id, ok)
		}
	}
	for _, bad := range []string{"file:///x", "memory://", "memory:///id", "memory://ns"} {
		if _, _, ok := parseMemoryURI(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func TestResourcesListPagesAndRead(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	var in []engine.NewMemory
	for i := range resourcePage + 5 {
		in = append(in, engine.NewMemory{Title: fmt.Sprintf("note %03d", i), Content: "body", Namespace: "proj/sub"})
	}
	if _, err := e.StoreMany(ctx, in); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, e, Options{})
	var all []*mcp.Resource
	cursor, pages := "", 0
	for {
		res, err := cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, res.Resources...)
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	if pages != 2 || len(all) != resourcePage+5 || all[0].Title != "note 000" {
		t.Fatalf("%d resources in %d pages, first %+v", len(all), pages, all[0])
	}
	if _, err := cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: "%%%"}); err == nil || !strings.Contains(err.Error(), "cursor") {
		t.Fatalf("bad cursor: %v", err)
	}
	tpl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tpl.ResourceTemplates) != 1 || tpl.ResourceTemplates[0].URITemplate != MemoryURITemplate {
		t.Fatalf("templates = %+v, %v", tpl, err)
	}

	read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: all[3].URI})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Memory struct{ ID, Title, Namespace string }
	}
	if err := json.Unmarshal([]byte(read.Contents[0].Text), &body); err != nil || body.Memory.Title != "note 003" ||
		body.Memory.Namespace != "proj/sub" || read.Contents[0].MIMEType != "application/json" {
		t.Fatalf("read %s = %+v, %v", all[3].URI, read.Contents[0], err)
	}
	// A wrong namespace or an unknown id is "resource not found".
	wrong := strings.Replace(all[3].URI, "proj%2Fsub", "other", 1)
	for _, uri := range []string{wrong, "memory://global/01ARZ3NDEKTSV4RRFFQ69G5FAV", "memory://global/nope"} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("read %s: %v", uri, err)
		}
	}
}

func TestRecallContextPrompt(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	cs := connect(t, e, Options{})
	pol := ok(t, cs, "memory_store", map[string]any{"title": "Style", "content": "prefer small functions", "namespace": "code"})
	ok(t, cs, "memory_namespace_set_standard", map[string]any{"namespace": "code", "id": str(pol, "id")})
	ok(t, cs, "memory_store", map[string]any{"title": "Parser bug", "content": "the tokenizer drops unicode escapes", "namespace": "code"})
	ps, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(ps.Prompts) != 3 || ps.Prompts[0].Name != MemoryWorkflowPrompt || ps.Prompts[1].Name != RecallPrompt ||
		ps.Prompts[2].Name != RecallFirstPrompt {
		t.Fatalf("prompts = %+v, %v", ps, err)
	}
	res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: RecallPrompt, Arguments: map[string]string{"task": "fix the tokenizer", "namespace": "code"}})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(*mcp.TextContent).Text
	if !strings.Contains(text, "prefer small functions") || !strings.Contains(text, "drops unicode escapes") || !strings.HasSuffix(text, "Task: fix the tokenizer") {
		t.Fatalf("prompt text %q", text)
	}
	for _, args := range []map[string]string{{}, {"task": "x", "limit": "500"}} {
		if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: RecallPrompt, Arguments: args}); err == nil {
			t.Fatalf("prompt with %v accepted", args)
		}
	}
}

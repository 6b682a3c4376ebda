package mcpserver

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// connectAs is connect with a client name, and no agent id configured.
func connectAs(t *testing.T, e *engine.Engine, client string) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	ms := New(e, Options{})
	st, ct := mcp.NewInMemoryTransports()
	ss, err := ms.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: client, Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait() })
	return cs
}

// A session written for the original ai-memory: every call uses its
// argument names and shapes (UUID ids, tags as a string, id_a/id_b,
// target_agent_id/payload, events/namespace_filter/agent_filter, offset,
// format, governance, agent_id on decisions) and succeeds. Without a
// configured agent id, writes are stamped with the client's name.
func TestOriginalArgumentNamesWork(t *testing.T) {
	ctx := context.Background()
	e := openEngine(t)
	cs := connectAs(t, e, "Claude Desktop")

	// A memory imported from the original keeps its UUID.
	const uuid = "3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f"
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := e.ApplyReplicated(ctx, &memory.Batch{Memories: []memory.Memory{{ID: uuid, Tier: memory.TierLong,
		Namespace: "ops", Title: "deploys are not allowed on friday", Content: "never deploy on friday", Tags: []string{"deploy"},
		Priority: 5, Confidence: 1, Source: "import", CreatedAt: now, UpdatedAt: now, State: memory.StateActive,
		Origin: engine.ImportOrigin, Version: memory.MakeHLC(now.UnixMilli(), 0)}}}); err != nil {
		t.Fatal(err)
	}

	st := ok(t, cs, "memory_store", map[string]any{"title": "deploys are allowed on friday", "content": "always deploy on friday",
		"tier": "long", "namespace": "ops", "tags": []any{"deploy"}, "priority": 7, "confidence": 0.9, "source": "claude",
		"metadata": map[string]any{"k": "v"}, "scope": "team"})
	id := str(st, "id")
	if str(st, "memory", "agent_id") != "ai:Claude-Desktop" || str(st, "memory", "metadata", "scope") != "team" {
		t.Fatalf("store: agent %q, metadata %v", str(st, "memory", "agent_id"), path(st, "memory", "metadata"))
	}

	rec := call(t, cs, "memory_recall", map[string]any{"context": "deploy friday", "namespace": "ops", "tags": "deploy",
		"since": now.Add(-time.Hour).Format(time.RFC3339), "until": now.Add(time.Hour).Format(time.RFC3339Nano),
		"limit": 5, "format": "toon", "as_agent": "planner"})
	if rec.IsError || !strings.HasPrefix(rec.Text, "count:2|mode:keyword") || !strings.Contains(rec.Text, "memories[id|title|tier|namespace|priority|score|tags|agent_id|confidence") ||
		num(rec.Out, "count") != 2 {
		t.Fatalf("recall toon: %v %q", rec.IsError, rec.Text)
	}
	if r := ok(t, cs, "memory_search", map[string]any{"query": "friday", "namespace": "ops", "tier": "long", "limit": 10,
		"agent_id": "ai:Claude-Desktop", "as_agent": "planner", "format": "json"}); num(r, "count") != 1 {
		t.Fatalf("search by author: %v", r)
	}
	lst := call(t, cs, "memory_list", map[string]any{"namespace": "ops", "tier": "long", "limit": 20, "format": "toon_compact"})
	if lst.IsError || !strings.HasPrefix(lst.Text, "count:2|") || !strings.Contains(lst.Text, "\n"+uuid+"|") {
		t.Fatalf("list toon_compact: %q", lst.Text)
	}
	if g := ok(t, cs, "memory_get", map[string]any{"id": uuid[:8]}); str(g, "memory", "id") != uuid {
		t.Fatalf("get by prefix: %v", g)
	}
	ok(t, cs, "memory_update", map[string]any{"id": uuid, "priority": 9})
	ok(t, cs, "memory_link", map[string]any{"source_id": id, "target_id": uuid, "relation": "contradicts"})
	if c := ok(t, cs, "memory_detect_contradiction", map[string]any{"id_a": id, "id_b": uuid}); num(c, "checked") != 1 ||
		len(list(c, "contradictions")) != 1 {
		t.Fatalf("detect_contradiction id_a/id_b: %v", c)
	}
	if n := ok(t, cs, "memory_notify", map[string]any{"target_agent_id": "planner", "title": "heads up", "payload": "friday freeze",
		"priority": 8, "tier": "long"}); str(n, "to") != "planner" || str(n, "from") != "ai:Claude-Desktop" {
		t.Fatalf("notify: %v", n)
	}
	if in := ok(t, cs, "memory_inbox", map[string]any{"agent_id": "planner", "unread_only": true, "limit": 10}); num(in, "count") != 1 ||
		str(in, "messages", 0, "content") != "friday freeze" {
		t.Fatalf("inbox: %v", in)
	}
	sub := ok(t, cs, "memory_subscribe", map[string]any{"url": "http://127.0.0.1:9/hook", "events": "memory_store,memory_delete",
		"namespace_filter": "ops", "agent_filter": "planner", "secret": "s3cret"})
	if str(sub, "namespace") != "ops" || str(sub, "agent_filter") != "planner" || len(list(sub, "events")) != 2 {
		t.Fatalf("subscribe: %v", sub)
	}
	ok(t, cs, "memory_unsubscribe", map[string]any{"id": str(sub, "id")})
	ok(t, cs, "memory_forget", map[string]any{"namespace": "ops", "pattern": "always", "dry_run": false})
	if a := ok(t, cs, "memory_archive_list", map[string]any{"namespace": "ops", "limit": 10, "offset": 0}); num(a, "count") != 1 {
		t.Fatalf("archive_list: %v", a)
	}
	if a := ok(t, cs, "memory_archive_list", map[string]any{"limit": 10, "offset": 1}); num(a, "count") != 0 {
		t.Fatalf("archive_list offset 1: %v", a)
	}
	ok(t, cs, "memory_archive_restore", map[string]any{"id": id})

	// Governance as the original sets it; a governed store is approved
	// with agent_id naming the approver.
	std := ok(t, cs, "memory_store", map[string]any{"title": "review rule", "content": "every write is reviewed", "namespace": "legal"})
	ok(t, cs, "memory_namespace_set_standard", map[string]any{"namespace": "legal", "id": str(std, "id"),
		"governance": map[string]any{"write": "approve", "promote": "any", "delete": "owner", "approver": "human"}})
	queued := ok(t, cs, "memory_store", map[string]any{"title": "contract", "content": "signed", "namespace": "legal"})
	if str(queued, "status") != "pending" {
		t.Fatalf("governed store: %v", queued)
	}
	if p := ok(t, cs, "memory_pending_approve", map[string]any{"id": str(queued, "pending_id"), "agent_id": "lead"}); str(p, "decided_by") != "lead" {
		t.Fatalf("pending_approve: %v", p)
	}
	ok(t, cs, "memory_promote", map[string]any{"id": id, "agent_id": "lead"})
	ok(t, cs, "memory_delete", map[string]any{"id": uuid, "agent_id": "lead"})
	ses := call(t, cs, "memory_session_start", map[string]any{"namespace": "legal", "limit": 5, "format": "toon"})
	if ses.IsError || !strings.Contains(ses.Text, "mode:session_start") || !strings.Contains(ses.Text, "standards[id|title|content]:") {
		t.Fatalf("session_start toon: %q", ses.Text)
	}

	// An alias and its own name with different values is refused.
	fails(t, cs, "memory_notify", map[string]any{"to": "a", "target_agent_id": "b", "title": "t", "content": "c"},
		"give to or target_agent_id (the same argument), not both")
}

func TestToonEscapesCellSeparators(t *testing.T) {
	m := memory.Memory{ID: "x", Title: "a|b\nc\\d", Tags: []string{"t1", "t2"}}
	got := toon(formatTOONCompact, []string{"count:1"}, nil, []toonRow{{m: &m}})
	want := "count:1\nmemories[id|title|tier|namespace|priority|score|tags|agent_id]:\nx|a\\|b\\nc\\\\d|||0||t1,t2|\n"
	if got != want {
		t.Fatalf("toon =\n%q\nwant\n%q", got, want)
	}
	if toon(formatJSON, nil, nil, nil) != "" {
		t.Fatal("json format rendered as text")
	}
}

// The original's two guidance prompts exist under its names and point at
// the tools they name.
func TestWorkflowPrompts(t *testing.T) {
	cs := connect(t, openEngine(t), Options{})
	ctx := context.Background()
	rf, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: RecallFirstPrompt, Arguments: map[string]string{"namespace": "ops"}})
	if err != nil || !strings.Contains(rf.Messages[0].Content.(*mcp.TextContent).Text, `memory_recall with namespace "ops"`) {
		t.Fatalf("recall-first: %v %+v", err, rf)
	}
	wf, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: MemoryWorkflowPrompt})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, word := range strings.FieldsFunc(wf.Messages[0].Content.(*mcp.TextContent).Text, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z')
	}) {
		if strings.HasPrefix(word, "memory_") {
			named++
			if !slices.Contains(toolNames(), word) {
				t.Errorf("memory-workflow names %s, which is not a tool", word)
			}
		}
	}
	if named < 10 {
		t.Fatalf("memory-workflow names %d tools", named)
	}
}

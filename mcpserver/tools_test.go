package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// upstreamTools are the 36 tools of upstream v0.6.0.
var upstreamTools = strings.Fields(`store recall search list get update delete forget promote link get_links
consolidate gc stats capabilities session_start auto_tag detect_contradiction expand_query namespace_get_standard
namespace_set_standard namespace_clear_standard agent_register agent_list archive_list archive_restore archive_purge
archive_stats pending_list pending_approve pending_reject subscribe unsubscribe list_subscriptions notify inbox`)

// tools/list answers every tool in one page (a client that ignores
// nextCursor still sees them all), sorted and described.
func TestToolsListIsOnePageSortedAndDescribed(t *testing.T) {
	cs := connect(t, openEngine(t), Options{})
	var tools []*mcp.Tool
	cursor, pages := "", 0
	for {
		res, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(res.Tools) > PageSize {
			t.Fatalf("page of %d tools; page size is %d", len(res.Tools), PageSize)
		}
		tools = append(tools, res.Tools...)
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	if pages != 1 || len(tools) != len(upstreamTools) {
		t.Fatalf("%d tools in %d pages; want %d in one", len(tools), pages, len(upstreamTools))
	}
	names := map[string]bool{}
	for i, tl := range tools {
		names[tl.Name] = true
		if i > 0 && tools[i-1].Name >= tl.Name {
			t.Fatalf("tools not in sorted order: %s before %s", tools[i-1].Name, tl.Name)
		}
		// Output schemas cost most of the list and no client needs them:
		// results are self-describing JSON (see docs/mcp.md).
		if tl.Description == "" || tl.OutputSchema != nil {
			t.Fatalf("%s: description %q, output schema %v; want a description and no output schema", tl.Name, tl.Description, tl.OutputSchema)
		}
		if in := schemaOf(t, tl.InputSchema); in.Type != "object" {
			t.Fatalf("%s input schema type %q", tl.Name, in.Type)
		}
	}
	for _, n := range upstreamTools {
		if !names["memory_"+n] {
			t.Fatalf("tool memory_%s missing", n)
		}
	}
	// Bounds are published: recall's limit is 1..50, store's priority 1..10.
	for _, tl := range tools {
		in := schemaOf(t, tl.InputSchema)
		switch tl.Name {
		case "memory_recall":
			if p := in.Properties["limit"]; p.Minimum == nil || *p.Minimum != 1 || *p.Maximum != 50 {
				t.Fatalf("recall limit bounds %+v", p)
			}
		case "memory_store":
			if p := in.Properties["priority"]; p.Maximum == nil || *p.Maximum != 10 {
				t.Fatalf("store priority bounds %+v", p)
			}
			if len(in.Required) != 2 {
				t.Fatalf("store requires %v; want title and content", in.Required)
			}
		}
	}
	// A cursor that was never issued is an invalid-params error.
	_, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: "not-a-cursor"})
	if err == nil || !strings.Contains(err.Error(), "-32602") && !strings.Contains(err.Error(), "invalid params") {
		t.Fatalf("bad cursor: %v", err)
	}
}

func schemaOf(t *testing.T, v any) *jsonschema.Schema {
	t.Helper()
	if s, ok := v.(*jsonschema.Schema); ok {
		return s
	}
	var s jsonschema.Schema
	b, _ := json.Marshal(v)
	if err := s.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestMemoryToolsSession(t *testing.T) {
	cs := connect(t, openEngine(t), Options{AgentID: "agent-7"})
	a := ok(t, cs, "memory_store", map[string]any{"title": "Build tool", "content": "the project builds with make and go 1.26",
		"tags": []string{"build"}, "namespace": "proj/app", "priority": 7})
	if str(a, "status") != "stored" || path(a, "created") != true || str(a, "memory", "agent_id") != "agent-7" || str(a, "memory", "source") != "mcp" {
		t.Fatalf("store = %v", a)
	}
	id := str(a, "id")
	b := ok(t, cs, "memory_store", map[string]any{"title": "Deploy", "content": "deploys go through the make release target",
		"namespace": "proj/app", "agent_id": "other", "tier": "long"})
	id2 := str(b, "id")
	if str(b, "memory", "agent_id") != "other" || path(b, "memory", "expires_at") != nil {
		t.Fatalf("explicit agent_id or long tier ignored: %v", b)
	}
	// Same title again updates instead of inserting.
	again := ok(t, cs, "memory_store", map[string]any{"title": "Build tool", "content": "the project builds with make and go 1.26",
		"namespace": "proj/app", "tags": []string{"build"}, "priority": 7})
	if str(again, "id") != id || path(again, "created") != false {
		t.Fatalf("dedupe: %v", again)
	}

	rec := ok(t, cs, "memory_recall", map[string]any{"context": "how do I build", "namespace": "proj/app"})
	if num(rec, "count") < 1 || str(rec, "memories", 0, "id") != id || str(rec, "mode") != "keyword" {
		t.Fatalf("recall = %v", rec)
	}
	srch := ok(t, cs, "memory_search", map[string]any{"query": "make release", "namespace": "proj/app"})
	if num(srch, "count") != 1 || str(srch, "results", 0, "memory", "id") != id2 {
		t.Fatalf("search = %v", srch)
	}
	page := ok(t, cs, "memory_list", map[string]any{"namespace": "proj/app", "limit": 1})
	if num(page, "count") != 1 || path(page, "has_more") != true {
		t.Fatalf("list page 1 = %v", page)
	}
	page2 := ok(t, cs, "memory_list", map[string]any{"namespace": "proj/app", "limit": 1, "cursor": str(page, "next_cursor")})
	if str(page2, "memories", 0, "id") != id2 || path(page2, "has_more") != false {
		t.Fatalf("list page 2 = %v", page2)
	}

	upd := ok(t, cs, "memory_update", map[string]any{"id": id, "content": "builds with make only"})
	if str(upd, "memory", "content") != "builds with make only" || str(upd, "memory", "title") != "Build tool" {
		t.Fatalf("update = %v", upd)
	}
	ok(t, cs, "memory_link", map[string]any{"source_id": id2, "target_id": id, "relation": "derived_from"})
	links := ok(t, cs, "memory_get_links", map[string]any{"id": id})
	if num(links, "count") != 1 || str(links, "links", 0, "relation") != "derived_from" {
		t.Fatalf("get_links = %v", links)
	}
	got := ok(t, cs, "memory_get", map[string]any{"id": id})
	if len(list(got, "links")) != 1 || str(got, "memory", "id") != id {
		t.Fatalf("get = %v", got)
	}
	prom := ok(t, cs, "memory_promote", map[string]any{"id": id})
	if str(prom, "memory", "tier") != "long" {
		t.Fatalf("promote = %v", prom)
	}
	clone := ok(t, cs, "memory_promote", map[string]any{"id": id, "to_namespace": "proj"})
	if str(clone, "memory", "namespace") != "proj" || str(clone, "memory", "id") == id {
		t.Fatalf("promote to ancestor = %v", clone)
	}

	// Forget archives; the archive tools see, restore and purge it.
	dry := ok(t, cs, "memory_forget", map[string]any{"namespace": "proj", "dry_run": true})
	if num(dry, "matched") != 1 || path(dry, "dry_run") != true {
		t.Fatalf("forget dry run = %v", dry)
	}
	ok(t, cs, "memory_forget", map[string]any{"namespace": "proj"})
	arch := ok(t, cs, "memory_archive_list", map[string]any{})
	if num(arch, "count") != 1 {
		t.Fatalf("archive_list = %v", arch)
	}
	if st := ok(t, cs, "memory_archive_stats", nil); num(st, "total") != 1 || str(st, "by_namespace", 0, "namespace") != "proj" {
		t.Fatalf("archive_stats = %v", st)
	}
	cloneID := str(clone, "memory", "id")
	if r := ok(t, cs, "memory_archive_restore", map[string]any{"id": cloneID}); str(r, "memory", "state") != "active" {
		t.Fatalf("archive_restore = %v", r)
	}
	ok(t, cs, "memory_forget", map[string]any{"pattern": "builds make", "namespace": "proj"})
	if p := ok(t, cs, "memory_archive_purge", map[string]any{}); num(p, "matched") != 1 {
		t.Fatalf("archive_purge = %v", p)
	}
	fails(t, cs, "memory_forget", map[string]any{}, "forget needs")

	con := ok(t, cs, "memory_consolidate", map[string]any{"ids": []string{id, id2}, "title": "Build and deploy"})
	if str(con, "method") != "concatenation" || str(con, "memory", "tier") != "long" || len(list(con, "sources")) != 2 {
		t.Fatalf("consolidate = %v", con)
	}
	fails(t, cs, "memory_get", map[string]any{"id": id}, "not_found")
	if gc := ok(t, cs, "memory_gc", map[string]any{"dry_run": true}); num(gc, "matched") != 0 {
		t.Fatalf("gc = %v", gc)
	}
	stats := ok(t, cs, "memory_stats", nil)
	if num(stats, "total") != 1 {
		t.Fatalf("stats = %v", stats)
	}
	cid := str(con, "memory", "id")
	if d := ok(t, cs, "memory_delete", map[string]any{"id": cid}); path(d, "deleted") != true {
		t.Fatalf("delete = %v", d)
	}
	fails(t, cs, "memory_get", map[string]any{"id": cid}, "not_found")
	fails(t, cs, "memory_delete", map[string]any{"id": cid}, "not_found")
}

func TestToolErrorsAreActionable(t *testing.T) {
	cs := connect(t, openEngine(t), Options{})
	fails(t, cs, "memory_store", map[string]any{"title": 5, "content": "x"}, "want \"string\"")
	fails(t, cs, "memory_store", map[string]any{"content": "no title"}, "title")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "priority": 11}, "maximum")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "tier": "forever"}, "tier")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "surprise": true}, "surprise")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": strings.Repeat("a", 70000)}, "content")
	fails(t, cs, "memory_recall", map[string]any{"context": "?!"}, "no searchable words")
	fails(t, cs, "memory_link", map[string]any{"source_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "target_id": "01ARZ3NDEKTSV4RRFFQ69G5FAW"}, "memory_list or memory_search")
	fails(t, cs, "memory_list", map[string]any{"cursor": "bogus"}, "cursor")
	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_nope"})
	if err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Fatalf("unknown tool: %v", err)
	}
	// The session still works after every failure.
	ok(t, cs, "memory_stats", nil)
}

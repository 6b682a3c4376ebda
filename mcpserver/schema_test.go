package mcpserver

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
)

// listedArgs are the arguments of every tool as listed before the schemas
// were compacted (issue 16), required ones marked *. Compacting may drop
// words, never an argument.
var listedArgs = map[string]string{
	"agent_list":               "",
	"agent_register":           "agent_id agent_type capabilities description",
	"archive_list":             "namespace limit offset cursor",
	"archive_purge":            "older_than_days dry_run",
	"archive_restore":          "id*",
	"archive_stats":            "",
	"auto_tag":                 "id title content namespace max apply",
	"capabilities":             "",
	"consolidate":              "ids* title* namespace summary source agent_id",
	"delete":                   "id*",
	"detect_contradiction":     "id title content namespace limit",
	"expand_query":             "query* namespace max",
	"forget":                   "namespace tier pattern tags dry_run",
	"gc":                       "dry_run",
	"get":                      "id*",
	"get_links":                "id*",
	"inbox":                    "agent_id unread_only limit",
	"link":                     "source_id* target_id* relation",
	"list":                     "namespace tier tags agent_id min_priority since until limit cursor format",
	"list_subscriptions":       "",
	"namespace_clear_standard": "namespace*",
	"namespace_get_standard":   "namespace* inherit",
	"namespace_set_standard":   "namespace* id* require_approval set_by",
	"notify":                   "to* title* content* priority from",
	"pending_approve":          "id* decided_by",
	"pending_list":             "status limit",
	"pending_reject":           "id* decided_by",
	"promote":                  "id* to_namespace",
	"recall":                   "context* namespace tags since until limit budget_tokens agent_id format",
	"search":                   "query* namespace tier tags agent_id min_priority since until limit format",
	"session_start":            "namespace agent_id limit format",
	"stats":                    "",
	"store":                    "title* content* tier namespace tags priority confidence source agent_id metadata expires_at ttl_secs",
	"subscribe":                "url* namespace events agent_filter secret agent_id",
	"unsubscribe":              "id*",
	"update":                   "id* title content tier namespace tags priority confidence source metadata expires_at ttl_secs",
}

// listedTools decodes every tool of tools/list as a client receives it.
func listedTools(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for _, p := range toolsListWire(t, Options{}) {
		var page mcp.ListToolsResult
		if err := json.Unmarshal(p, &page); err != nil {
			t.Fatal(err)
		}
		for _, tl := range page.Tools {
			out[tl.Name] = schemaOf(t, tl.InputSchema)
		}
	}
	return out
}

func TestEveryArgumentIsListed(t *testing.T) {
	listed := listedTools(t)
	if len(listed) != len(listedArgs) {
		t.Fatalf("%d tools listed; want %d", len(listed), len(listedArgs))
	}
	for short, want := range listedArgs {
		in, found := listed["memory_"+short]
		if !found {
			t.Fatalf("memory_%s is not listed", short)
		}
		var got []string
		for name := range in.Properties {
			if slices.Contains(in.Required, name) {
				name += "*"
			}
			got = append(got, name)
		}
		wantArgs := strings.Fields(want)
		slices.Sort(got)
		slices.Sort(wantArgs)
		if !slices.Equal(got, wantArgs) || len(in.Required) != strings.Count(want, "*") {
			t.Errorf("memory_%s lists %v (required %v); want %q", short, got, in.Required, want)
		}
	}
}

// The listed schema is the checked one less its lengths, item counts and
// refusal of unknown names: same arguments, required ones, types, enums,
// formats and ranges.
func TestListedSchemasMatchTheChecks(t *testing.T) {
	listed := listedTools(t)
	for _, td := range (&server{}).tools() {
		full, in := td.check.Schema(), listed[td.tool.Name]
		checked := 0
		for _, fp := range full.Properties {
			if !isUnlisted(fp) {
				checked++
			}
		}
		if !slices.Equal(in.Required, full.Required) || len(in.Properties) != checked {
			t.Fatalf("%s: listed required %v of %d properties; checked %v of %d listed ones", td.tool.Name,
				in.Required, len(in.Properties), full.Required, checked)
		}
		for name, fp := range full.Properties {
			if isUnlisted(fp) {
				if in.Properties[name] != nil {
					t.Fatalf("%s.%s is unlisted but listed", td.tool.Name, name)
				}
				continue
			}
			lp := in.Properties[name]
			if lp == nil {
				t.Fatalf("%s.%s is checked but not listed", td.tool.Name, name)
			}
			for _, pair := range [][2]*jsonschema.Schema{{fp, lp}, {fp.Items, lp.Items}} {
				if err := sameShape(pair[0], pair[1]); err != "" {
					t.Errorf("%s.%s: %s", td.tool.Name, name, err)
				}
			}
		}
	}
}

// sameShape compares what a listed value keeps of its checked schema.
func sameShape(full, listed *jsonschema.Schema) string {
	if (full == nil) != (listed == nil) {
		return "items listed on one side only"
	}
	if full == nil {
		return ""
	}
	typ := full.Type
	for _, ty := range full.Types {
		if ty != "null" {
			typ = ty
		}
	}
	switch {
	case listed.Type != typ:
		return "type " + listed.Type + "; checked " + typ
	case !reflect.DeepEqual(listed.Enum, full.Enum) || listed.Format != full.Format:
		return "enum or format differs from the check"
	case !reflect.DeepEqual(listed.Minimum, full.Minimum) || !reflect.DeepEqual(listed.Maximum, full.Maximum):
		return "range differs from the check"
	}
	return ""
}

// What the list leaves out is still refused, with a message naming the
// argument and the bound.
func TestUnlistedBoundsAreEnforced(t *testing.T) {
	cs := connect(t, openEngine(t), Options{})
	const id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	fails(t, cs, "memory_store", map[string]any{"title": strings.Repeat("t", 513), "content": "x"}, "/properties/title: maxLength")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "tags": make([]string, memory.MaxTags+1)}, "/properties/tags: maxItems")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "tags": []string{strings.Repeat("a", memory.MaxTagLen+1)}}, "/properties/tags/items: maxLength")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "namespace": ""}, "/properties/namespace: minLength")
	fails(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "expires_at": "tomorrow"}, `parsing time "tomorrow"`)
	fails(t, cs, "memory_delete", map[string]any{"id": "short"}, "/properties/id: minLength")
	fails(t, cs, "memory_recall", map[string]any{"context": strings.Repeat("w ", 501)}, "/properties/context: maxLength")
	fails(t, cs, "memory_consolidate", map[string]any{"ids": make([]string, 101), "title": "x"}, "/properties/ids: maxItems")
	fails(t, cs, "memory_subscribe", map[string]any{"url": "http://x/" + strings.Repeat("p", 2048)}, "/properties/url: maxLength")
	fails(t, cs, "memory_link", map[string]any{"source_id": id, "target_id": id, "relation": "likes"}, "/properties/relation: enum")
	fails(t, cs, "memory_list", map[string]any{"since": "yesterday"}, `parsing time "yesterday"`)
	fails(t, cs, "memory_store", nil, `missing properties: ["title" "content"]`)
	if r := call(t, cs, "memory_store", map[string]any{"title": "x", "content": "y", "tags": nil}); r.IsError {
		t.Fatalf("null tags refused: %s", r.Text)
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "memory_stats", Arguments: []int{1}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "arguments must be a JSON object") {
		t.Fatalf("array arguments: %v %+v", err, res)
	}
	// Every tool refuses an argument it does not declare, by name.
	for _, name := range toolNames() {
		fails(t, cs, name, map[string]any{"bogus_arg": 1}, `unexpected additional properties ["bogus_arg"]`)
	}
}

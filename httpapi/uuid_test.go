package httpapi

import (
	"testing"

	"github.com/aimemory/ai-memory/sqlite"
)

// The original's export imports over HTTP with its UUID ids, and every
// route that takes an id takes them.
func TestOriginalExportAndUUIDIDs(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{Synchronous: "NORMAL"})
	const x, y = "0b6c5b8e-1d2f-4a3b-9c4d-5e6f7a8b9c01", "1c7d6c9f-2e3a-4b4c-8d5e-6f7a8b9cad02"
	mem := func(id, title string) map[string]any {
		return map[string]any{"id": id, "tier": "long", "namespace": "ops", "title": title, "content": "from the original",
			"tags": []string{}, "priority": 5, "confidence": 1.0, "source": "claude", "access_count": 0,
			"created_at": "2026-04-30T14:59:09.993544123+00:00", "updated_at": "2026-04-30T14:59:09.993544123+00:00",
			"metadata": map[string]any{"agent_id": "claude-code"}}
	}
	r := a.call(t, "POST", "/api/v1/import", map[string]any{"memories": []any{mem(x, "one"), mem(y, "two")},
		"links": []any{map[string]any{"source_id": x, "target_id": y, "relation": "related_to", "created_at": "2026-05-01T00:00:00+00:00"}}})
	if r.status != 200 || r.body["imported"] != 2.0 || r.body["links"] != 1.0 {
		t.Fatalf("import: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "GET", "/api/v1/memories/"+x, nil); r.status != 200 || len(r.body["links"].([]any)) != 1 ||
		r.body["memory"].(map[string]any)["agent_id"] != "claude-code" {
		t.Fatalf("get %s: %d %s", x, r.status, r.raw)
	}
	if r := a.call(t, "PUT", "/api/v1/memories/"+x, map[string]any{"priority": 8}); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "GET", "/api/v1/memories?cursor="+x, nil); r.status != 200 {
		t.Fatalf("a UUID cursor: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "GET", "/api/v1/recall?context=original&since=2026-04-30T00:00:00Z&until=2026-05-01T00:00:00Z&tier=long", nil); r.status != 200 || r.body["count"] != 2.0 {
		t.Fatalf("recall with since/until/tier: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "GET", "/api/v1/recall?context=original&since=2026-05-01T00:00:00Z", nil); r.status != 200 || r.body["count"] != 0.0 {
		t.Fatalf("recall since after both: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "DELETE", "/api/v1/memories/"+y, nil); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
}

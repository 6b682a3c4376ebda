package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/faults"
	"github.com/aimemory/ai-memory/sqlite"
)

func TestMemoryLifecycle(t *testing.T) {
	a := newTestAPI(t, Options{Version: "9.9.9"}, sqlite.Options{})

	h := a.must(t, 200, "GET", "/api/v1/health", nil)
	if h.str("status") != "ok" || h.str("version") != "9.9.9" || h.str("node_id") != "test-node" || h.body["federation_enabled"] != false {
		t.Fatalf("health: %s", h.raw)
	}

	r := a.must(t, 201, "POST", "/api/v1/memories", map[string]any{
		"title": "deploy notes", "content": "blue green deploy via canary", "tags": []string{"ops", "deploy"},
		"namespace": "team/ops", "priority": 8, "metadata": map[string]any{"k": "v"},
	}, "X-Agent-Id", "agent-7")
	id := r.str("id")
	if r.str("source") != "api" || r.str("agent_id") != "agent-7" || r.str("tier") != "mid" || r.body["priority"] != 8.0 {
		t.Fatalf("create defaults: %s", r.raw)
	}
	if _, ok := r.body["quorum_acks"]; ok {
		t.Fatalf("single node reported quorum_acks: %s", r.raw)
	}

	// Same title in the same namespace updates the memory.
	again := a.must(t, 201, "POST", "/api/v1/memories", map[string]any{"title": "deploy notes", "content": "v2", "namespace": "team/ops"})
	if again.str("id") != id || again.str("content") != "v2" {
		t.Fatalf("de-dup: got %s", again.raw)
	}

	g := a.must(t, 200, "GET", "/api/v1/memories/"+id, nil)
	m := g.body["memory"].(map[string]any)
	if m["id"] != id || m["content"] != "v2" {
		t.Fatalf("get: %s", g.raw)
	}
	if links, ok := g.body["links"].([]any); !ok || len(links) != 0 {
		t.Fatalf("get links: %s", g.raw)
	}

	u := a.must(t, 200, "PUT", "/api/v1/memories/"+id, map[string]any{"priority": 3, "tier": "long"})
	if u.body["priority"] != 3.0 || u.str("tier") != "long" || u.str("content") != "v2" || u.body["expires_at"] != nil {
		t.Fatalf("update changed the wrong fields: %s", u.raw)
	}

	p := a.must(t, 200, "POST", "/api/v1/memories/"+id+"/promote", map[string]any{"namespace": "team"})
	if p.str("namespace") != "team" || p.str("id") == id {
		t.Fatalf("promote to ancestor: %s", p.raw)
	}

	d := a.must(t, 200, "DELETE", "/api/v1/memories/"+id, nil)
	if d.body["deleted"] != true || d.str("id") != id {
		t.Fatalf("delete: %s", d.raw)
	}
	for _, method := range []string{"GET", "DELETE"} {
		if r := a.call(t, method, "/api/v1/memories/"+id, nil); r.status != 404 || r.errCode() != "not_found" {
			t.Fatalf("%s after delete: %d %s", method, r.status, r.raw)
		}
	}
	if r := a.call(t, "PUT", "/api/v1/memories/"+id, map[string]any{"priority": 2}); r.status != 404 {
		t.Fatalf("update after delete: %d %s", r.status, r.raw)
	}
}

func TestBulkCreate(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	items := make([]map[string]any, 3)
	for i := range items {
		items[i] = map[string]any{"title": fmt.Sprintf("bulk %d", i), "content": "c", "namespace": "bulk"}
	}
	r := a.must(t, 201, "POST", "/api/v1/memories/bulk", map[string]any{"memories": items})
	if r.body["count"] != 3.0 || r.body["created"] != 3.0 || len(r.body["ids"].([]any)) != 3 {
		t.Fatalf("bulk object form: %s", r.raw)
	}
	// The bare array form de-duplicates onto the same titles.
	r = a.must(t, 201, "POST", "/api/v1/memories/bulk", items)
	if r.body["created"] != 0.0 || r.body["updated"] != 3.0 {
		t.Fatalf("bulk array form: %s", r.raw)
	}
	// One bad item rejects the whole request and names it.
	items[1]["priority"] = 99
	r = a.must(t, 400, "POST", "/api/v1/memories/bulk", items)
	if !strings.Contains(r.raw2(), "item 1") {
		t.Fatalf("bad item not named: %s", r.raw)
	}
	a.must(t, 400, "POST", "/api/v1/memories/bulk", `[]`)
}

func (r reply) raw2() string { return string(r.raw) }

// A namespace of 1000 memories lists completely by cursor paging, every id
// exactly once, whatever the page size, and has_more is false only at the end.
func TestListPagesThroughEveryRow(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	want := map[string]bool{}
	for batch := 0; batch < 2; batch++ {
		items := make([]map[string]any, 500)
		for i := range items {
			items[i] = map[string]any{"title": fmt.Sprintf("row %d-%d", batch, i), "content": "x", "namespace": "paging"}
		}
		r := a.must(t, 201, "POST", "/api/v1/memories/bulk", items)
		for _, id := range r.body["ids"].([]any) {
			want[id.(string)] = true
		}
		// Noise in another namespace, interleaved in id order.
		a.create(t, map[string]any{"title": fmt.Sprintf("noise %d", batch), "content": "x", "namespace": "other"})
	}
	if len(want) != 1000 {
		t.Fatalf("seeded %d ids", len(want))
	}
	for _, limit := range []int{0, 77, 1000, 5000} {
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			q := fmt.Sprintf("/api/v1/memories?namespace=paging&cursor=%s", cursor)
			if limit > 0 {
				q += fmt.Sprintf("&limit=%d", limit)
			}
			r := a.must(t, 200, "GET", q, nil)
			pages++
			mems := r.body["memories"].([]any)
			if int(r.body["count"].(float64)) != len(mems) {
				t.Fatalf("count %v != %d rows", r.body["count"], len(mems))
			}
			for _, m := range mems {
				id := m.(map[string]any)["id"].(string)
				if seen[id] || !want[id] {
					t.Fatalf("limit %d: id %s repeated or foreign", limit, id)
				}
				seen[id] = true
			}
			if r.body["has_more"] != true {
				if r.str("next_cursor") != "" {
					t.Fatalf("last page has a next_cursor: %s", r.str("next_cursor"))
				}
				break
			}
			cursor = r.str("next_cursor")
			if cursor == "" || pages > 100 {
				t.Fatalf("has_more without a usable cursor after %d pages", pages)
			}
		}
		if len(seen) != 1000 {
			t.Fatalf("limit %d: listed %d of 1000 ids", limit, len(seen))
		}
		wantPages := map[int]int{0: 10, 77: 13, 1000: 1, 5000: 1}[limit]
		if pages != wantPages {
			t.Fatalf("limit %d: %d pages, want %d", limit, pages, wantPages)
		}
	}
	// Offset paging reaches the same rows.
	r := a.must(t, 200, "GET", "/api/v1/memories?namespace=paging&limit=1000&offset=990", nil)
	if r.body["count"] != 10.0 || r.body["has_more"] != false {
		t.Fatalf("offset 990: %s", r.raw[:200])
	}
}

func TestListFilters(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	a.create(t, map[string]any{"title": "a", "content": "x", "tier": "long", "tags": []string{"red", "big"}, "priority": 9})
	a.create(t, map[string]any{"title": "b", "content": "x", "tier": "short", "tags": []string{"red"}})
	a.create(t, map[string]any{"title": "c", "content": "x", "namespace": "n2"})
	for q, n := range map[string]float64{
		"":                            3,
		"?tier=long":                  1,
		"?tags=red":                   2,
		"?tags=red,big":               1,
		"?tags=red&tags=big":          1,
		"?namespace=n2":               1,
		"?min_priority=6":             1,
		"?namespace=missing":          0,
		"?since=2000-01-01T00:00:00Z": 3,
		"?until=2000-01-01T00:00:00Z": 0,
	} {
		r := a.must(t, 200, "GET", "/api/v1/memories"+q, nil)
		if r.body["count"] != n {
			t.Errorf("list%s: count %v, want %v", q, r.body["count"], n)
		}
	}
}

// The list-cap-20 fault, installed as middleware, hides rows from a
// client paging until has_more is false; other routes are untouched.
func TestListRowCapFault(t *testing.T) {
	a := newTestAPI(t, Options{Middleware: faults.CapList(faults.ListCap)}, sqlite.Options{})
	items := make([]map[string]any, 50)
	for i := range items {
		items[i] = map[string]any{"title": fmt.Sprint(i)}
	}
	a.must(t, 201, "POST", "/api/v1/memories/bulk", items)
	r := a.must(t, 200, "GET", "/api/v1/memories?limit=1000", nil)
	if r.body["count"] != 20.0 || r.body["has_more"] != false || r.str("next_cursor") != "" || len(r.body["memories"].([]any)) != 20 {
		t.Fatalf("capped list: count %v has_more %v", r.body["count"], r.body["has_more"])
	}
	if s := a.must(t, 200, "GET", "/api/v1/stats", nil); s.body["total"] != 50.0 {
		t.Fatalf("stats under the list cap: %s", s.raw)
	}
	a.must(t, 400, "GET", "/api/v1/memories?limit=-1", nil)
}

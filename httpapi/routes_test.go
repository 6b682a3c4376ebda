package httpapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/httperror"
	"github.com/aimemory/ai-memory/sqlite"
)

func TestSearchAndRecall(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	fox := a.create(t, map[string]any{"title": "fox facts", "content": "the quick brown fox jumps", "namespace": "zoo", "tier": "long", "priority": 9})
	a.create(t, map[string]any{"title": "dog facts", "content": "the lazy dog sleeps", "namespace": "zoo"})
	a.create(t, map[string]any{"title": "fox elsewhere", "content": "a fox in another namespace", "namespace": "wild"})
	// Filler: the store may drop OR terms found in over half of all memories.
	for i := range 4 {
		a.create(t, map[string]any{"title": fmt.Sprintf("filler %d", i), "content": "unrelated weather report", "namespace": "misc"})
	}

	r := a.must(t, 200, "GET", "/api/v1/search?q=fox+jumps&namespace=zoo", nil)
	if r.body["count"] != 1.0 || r.str("query") != "fox jumps" {
		t.Fatalf("search AND: %s", r.raw)
	}
	if hit := r.body["results"].([]any)[0].(map[string]any)["memory"].(map[string]any); hit["id"] != fox {
		t.Fatalf("search hit: %v", hit)
	}
	r = a.must(t, 200, "POST", "/api/v1/search", map[string]any{"query": "fox", "tier": "long"})
	if r.body["count"] != 1.0 {
		t.Fatalf("search POST with tier: %s", r.raw)
	}

	// Recall ORs the words and ranks the high-priority long memory first.
	r = a.must(t, 200, "POST", "/api/v1/recall", map[string]any{"context": "fox dog", "namespace": "zoo", "limit": 5})
	mems := r.body["memories"].([]any)
	if r.body["count"] != 2.0 || mems[0].(map[string]any)["id"] != fox || mems[0].(map[string]any)["score"] == nil || r.str("mode") != "keyword" {
		t.Fatalf("recall: %s", r.raw)
	}
	r = a.must(t, 200, "GET", "/api/v1/recall?context=fox&budget_tokens=1", nil)
	if r.body["count"] != 1.0 {
		t.Fatalf("recall budget keeps only the best: %s", r.raw)
	}
	// Recall records the access.
	g := a.must(t, 200, "GET", "/api/v1/memories/"+fox, nil)
	if g.body["memory"].(map[string]any)["access_count"].(float64) < 2 {
		t.Fatalf("recall did not touch: %s", g.raw)
	}
}

// Queries built to break an FTS parser never cause a 500: they either match
// as plain words or are refused as having none.
func TestHostileQueries(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	a.create(t, map[string]any{"title": "near and far", "content": "AND OR NOT NEAR quoted \"text\" (parens) col:umn"})
	hostile := []string{`"AND (`, `NEAR/`, `NEAR/3`, `"`, `(`, `)`, `*`, `^`, `AND`, `OR OR`, `NOT`, `col:umn`, `title:near`,
		`a"b`, `{near}`, `near*`, `-near`, `+near`, `near AND`, "\u200bnear\u202e", `'; DROP TABLE memories; --`,
		strings.Repeat("(", 500), strings.Repeat("near ", 300), "\x00near", `"" ""`, `\`, `%`, `near" OR "1"="1`}
	for _, q := range hostile {
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/search?q=" + url.QueryEscape(q), nil},
			{"POST", "/api/v1/search", map[string]any{"query": q}},
			{"GET", "/api/v1/recall?context=" + url.QueryEscape(q), nil},
			{"POST", "/api/v1/recall", map[string]any{"context": q}},
			{"POST", "/api/v1/forget", map[string]any{"pattern": q, "dry_run": true}},
		} {
			r := a.call(t, req.method, req.path, req.body)
			if r.status != 200 && r.status != 400 {
				t.Fatalf("%s %q: %d %s", req.path, q, r.status, r.raw)
			}
		}
	}
	r := a.must(t, 200, "GET", "/api/v1/search?q="+url.QueryEscape(`"quoted (`), nil)
	if r.body["count"] != 1.0 {
		t.Fatalf(`"quoted ( should match the word quoted: %s`, r.raw)
	}
}

func TestLinksAndConsolidate(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	x := a.create(t, map[string]any{"title": "x", "content": "first part"})
	y := a.create(t, map[string]any{"title": "y", "content": "second part"})
	l := a.must(t, 201, "POST", "/api/v1/links", map[string]any{"source_id": x, "target_id": y, "relation": "supersedes"})
	if l.str("relation") != "supersedes" || l.str("source_id") != x {
		t.Fatalf("link: %s", l.raw)
	}
	for _, id := range []string{x, y} {
		r := a.must(t, 200, "GET", "/api/v1/links/"+id, nil)
		if r.body["count"] != 1.0 {
			t.Fatalf("links of %s: %s", id, r.raw)
		}
	}
	a.must(t, 200, "DELETE", "/api/v1/links", map[string]any{"source_id": x, "target_id": y, "relation": "supersedes"})
	if r := a.must(t, 200, "GET", "/api/v1/links/"+x, nil); r.body["count"] != 0.0 {
		t.Fatalf("unlink left %s", r.raw)
	}

	c := a.must(t, 201, "POST", "/api/v1/consolidate", map[string]any{"ids": []string{x, y}, "title": "both"})
	merged := c.body["memory"].(map[string]any)
	if merged["tier"] != "long" || !strings.Contains(merged["content"].(string), "second part") || c.str("method") != "concatenation" {
		t.Fatalf("consolidate: %s", c.raw)
	}
	a.must(t, 404, "GET", "/api/v1/memories/"+x, nil)
	if r := a.must(t, 200, "GET", "/api/v1/links/"+merged["id"].(string), nil); r.body["count"] != 2.0 {
		t.Fatalf("derived_from links: %s", r.raw)
	}
}

func TestForgetArchiveGC(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	ids := []string{
		a.create(t, map[string]any{"title": "a", "content": "c", "namespace": "tmp"}),
		a.create(t, map[string]any{"title": "b", "content": "c", "namespace": "tmp"}),
	}
	keep := a.create(t, map[string]any{"title": "k", "content": "c", "namespace": "keep"})

	dry := a.must(t, 200, "POST", "/api/v1/forget", map[string]any{"namespace": "tmp", "dry_run": true})
	if dry.body["matched"] != 2.0 || dry.body["dry_run"] != true {
		t.Fatalf("dry forget: %s", dry.raw)
	}
	a.must(t, 200, "POST", "/api/v1/forget", map[string]any{"namespace": "tmp"})
	if r := a.must(t, 200, "GET", "/api/v1/memories?namespace=tmp", nil); r.body["count"] != 0.0 {
		t.Fatalf("forgotten still listed: %s", r.raw)
	}
	arch := a.must(t, 200, "GET", "/api/v1/archive?namespace=tmp", nil)
	if arch.body["count"] != 2.0 {
		t.Fatalf("archive list: %s", arch.raw)
	}
	st := a.must(t, 200, "GET", "/api/v1/archive/stats", nil)
	if st.body["total"] != 2.0 {
		t.Fatalf("archive stats: %s", st.raw)
	}
	rest := a.must(t, 200, "POST", "/api/v1/archive/"+ids[0]+"/restore", nil)
	if rest.str("state") != "active" || rest.body["expires_at"] == nil {
		t.Fatalf("restore: %s", rest.raw)
	}
	p := a.must(t, 200, "POST", "/api/v1/archive/purge", map[string]any{})
	if p.body["matched"] != 1.0 {
		t.Fatalf("purge: %s", p.raw)
	}
	a.must(t, 404, "GET", "/api/v1/memories/"+ids[1], nil)

	// Expired memories are archived by gc; nothing else is.
	exp := a.create(t, map[string]any{"title": "old", "content": "c", "ttl_secs": 1})
	time.Sleep(1100 * time.Millisecond)
	gc := a.must(t, 200, "POST", "/api/v1/gc", nil)
	if gc.body["matched"] != 1.0 || gc.body["ids"].([]any)[0] != exp {
		t.Fatalf("gc: %s", gc.raw)
	}
	a.must(t, 200, "GET", "/api/v1/memories/"+keep, nil)

	ns := a.must(t, 200, "GET", "/api/v1/namespaces", nil)
	if ns.body["count"] != 2.0 {
		t.Fatalf("namespaces: %s", ns.raw)
	}
	stats := a.must(t, 200, "GET", "/api/v1/stats", nil)
	for _, k := range []string{"total", "by_tier", "by_namespace", "expiring_soon", "links_count", "db_size_bytes"} {
		if _, ok := stats.body[k]; !ok {
			t.Fatalf("stats lacks %s: %s", k, stats.raw)
		}
	}
}

// Export from one server and import into another reproduces the data;
// importing twice changes nothing.
func TestExportImport(t *testing.T) {
	src := newTestAPI(t, Options{}, sqlite.Options{})
	x := src.create(t, map[string]any{"title": "x", "content": "one", "tags": []string{"t"}})
	y := src.create(t, map[string]any{"title": "y", "content": "two", "namespace": "other"})
	src.must(t, 201, "POST", "/api/v1/links", map[string]any{"source_id": x, "target_id": y})
	exp := src.must(t, 200, "GET", "/api/v1/export", nil)
	if exp.body["count"] != 2.0 || len(exp.body["links"].([]any)) != 1 {
		t.Fatalf("export: %s", exp.raw)
	}
	dst := newTestAPI(t, Options{}, sqlite.Options{})
	imp := dst.must(t, 200, "POST", "/api/v1/import", exp.raw)
	if imp.body["imported"] != 2.0 || imp.body["links"] != 1.0 {
		t.Fatalf("import: %s", imp.raw)
	}
	again := dst.must(t, 200, "POST", "/api/v1/import", exp.raw)
	if again.body["imported"] != 0.0 {
		t.Fatalf("re-import applied rows: %s", again.raw)
	}
	g := dst.must(t, 200, "GET", "/api/v1/memories/"+x, nil)
	if g.body["memory"].(map[string]any)["content"] != "one" || len(g.body["links"].([]any)) != 1 {
		t.Fatalf("imported memory: %s", g.raw)
	}
	one := src.must(t, 200, "GET", "/api/v1/export?namespace=other", nil)
	if one.body["count"] != 1.0 {
		t.Fatalf("namespace export: %s", one.raw)
	}
}

func TestMetricsByRoute(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	id := a.create(t, map[string]any{"title": "t"})
	a.must(t, 200, "GET", "/api/v1/memories/"+id, nil)
	a.call(t, "GET", "/api/v1/memories/01ARZ3NDEKTSV4RRFFQ69G5FAV", nil)
	m := a.must(t, 200, "GET", "/metrics", nil)
	for _, want := range []string{
		`ai_memory_http_requests_total{code="201",route="POST /api/v1/memories"} 1`,
		`ai_memory_http_requests_total{code="200",route="GET /api/v1/memories/{id}"} 1`,
		`ai_memory_http_requests_total{code="404",route="GET /api/v1/memories/{id}"} 1`,
		`ai_memory_http_request_duration_seconds_count{route="POST /api/v1/memories"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(m.raw), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
}

// Mounted handlers get the API-key check (Handle) or not
// (HandleUnauthenticated), and the metrics.
func TestMountedHandlers(t *testing.T) {
	a := newTestAPI(t, Options{APIKey: "k"}, sqlite.Options{})
	a.srv.Handle("POST /mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"mcp":true}`)) }))
	a.srv.HandleUnauthenticated("POST /api/v1/sync/push", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Peer") != "p1" {
			httperror.Write(w, &memoryErrorForbidden)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	open := &testAPI{url: a.url}
	open.must(t, 401, "POST", "/mcp", `{}`)
	a.must(t, 200, "POST", "/mcp", `{}`)
	open.must(t, 403, "POST", "/api/v1/sync/push", `{}`)
	open.must(t, 200, "POST", "/api/v1/sync/push", `{}`, "X-Peer", "p1")
	if m := a.must(t, 200, "GET", "/metrics", nil); !strings.Contains(string(m.raw), `route="POST /mcp"`) {
		t.Fatal("mounted route not in metrics")
	}
}

// SIGTERM semantics: once shutdown starts no new connection is accepted,
// but a request already running completes and gets its answer.
func TestGracefulShutdown(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	started := make(chan struct{})
	a.srv.Handle("POST /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		id := a.create(t, map[string]any{"title": "written during shutdown"})
		writeJSON(w, 201, map[string]string{"id": id})
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- a.srv.Serve(ctx, ln, nil, 5*time.Second) }()
	live := &testAPI{url: "http://" + ln.Addr().String()}
	answered := make(chan reply, 1)
	go func() { answered <- live.call(t, "POST", "/slow", nil) }()
	<-started
	cancel()
	r := <-answered
	if r.status != 201 || r.str("id") == "" {
		t.Fatalf("in-flight request: %d %s", r.status, r.raw)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get(live.url + "/api/v1/health"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

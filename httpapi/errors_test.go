package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// Every class of bad input gets its status and a JSON error with a code.
func TestErrorClasses(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	id := a.create(t, map[string]any{"title": "t", "content": "c"})
	big := strings.Repeat("x", memory.MaxContentBytes+1)
	tooMany := make([]map[string]any, memory.MaxBatchItems+1)
	for i := range tooMany {
		tooMany[i] = map[string]any{"title": fmt.Sprint(i)}
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown field", "POST", "/api/v1/memories", `{"title":"t","colour":"red"}`, 400, "invalid_argument"},
		{"malformed JSON", "POST", "/api/v1/memories", `{"title":`, 400, "invalid_argument"},
		{"syntax error", "POST", "/api/v1/memories", `{"title" "t"}`, 400, "invalid_argument"},
		{"two values", "POST", "/api/v1/memories", `{"title":"t"}{"title":"u"}`, 400, "invalid_argument"},
		{"empty body", "POST", "/api/v1/memories", ``, 400, "invalid_argument"},
		{"not an object", "POST", "/api/v1/memories", `[1,2]`, 422, "invalid_argument"},
		{"wrong type", "POST", "/api/v1/memories", `{"title":"t","priority":"high"}`, 422, "invalid_argument"},
		{"bad time", "POST", "/api/v1/memories", `{"title":"t","expires_at":"tomorrow"}`, 422, "invalid_argument"},
		{"missing title", "POST", "/api/v1/memories", `{"content":"c"}`, 400, "invalid_argument"},
		{"priority range", "POST", "/api/v1/memories", `{"title":"t","priority":11}`, 400, "invalid_argument"},
		{"confidence range", "POST", "/api/v1/memories", `{"title":"t","confidence":1.5}`, 400, "invalid_argument"},
		{"bad tier", "POST", "/api/v1/memories", `{"title":"t","tier":"forever"}`, 400, "invalid_argument"},
		{"bad namespace", "POST", "/api/v1/memories", `{"title":"t","namespace":"a b"}`, 400, "invalid_argument"},
		{"ttl and expiry", "POST", "/api/v1/memories", `{"title":"t","ttl_secs":5,"expires_at":"2099-01-01T00:00:00Z"}`, 400, "invalid_argument"},
		{"content too large", "POST", "/api/v1/memories", map[string]any{"title": "t", "content": big}, 413, "too_large"},
		{"bulk over cap", "POST", "/api/v1/memories/bulk", tooMany, 413, "too_large"},
		{"unknown id", "GET", "/api/v1/memories/01ARZ3NDEKTSV4RRFFQ69G5FAV", nil, 404, "not_found"},
		{"malformed id", "GET", "/api/v1/memories/not-an-id", nil, 404, "not_found"},
		{"no route", "GET", "/api/v2/nothing", nil, 404, "not_found"},
		{"bad limit", "GET", "/api/v1/memories?limit=ten", nil, 400, "invalid_argument"},
		{"negative limit", "GET", "/api/v1/memories?limit=-1", nil, 400, "invalid_argument"},
		{"bad cursor", "GET", "/api/v1/memories?cursor=zzz", nil, 400, "invalid_argument"},
		{"bad since", "GET", "/api/v1/memories?since=yesterday", nil, 400, "invalid_argument"},
		{"self link", "POST", "/api/v1/links", map[string]any{"source_id": id, "target_id": id}, 400, "invalid_argument"},
		{"bad relation", "POST", "/api/v1/links", map[string]any{"source_id": id, "target_id": id, "relation": "loves"}, 400, "invalid_argument"},
		{"unlink missing", "DELETE", "/api/v1/links", map[string]any{"source_id": id, "target_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, 404, "not_found"},
		{"bare forget", "POST", "/api/v1/forget", `{}`, 400, "invalid_argument"},
		{"consolidate one", "POST", "/api/v1/consolidate", map[string]any{"ids": []string{id}, "title": "x"}, 400, "invalid_argument"},
		{"restore active", "POST", "/api/v1/archive/" + id + "/restore", nil, 404, "not_found"},
		{"purge negative", "POST", "/api/v1/archive/purge", `{"older_than_days":-1}`, 400, "invalid_argument"},
		{"empty search", "GET", "/api/v1/search?q=", nil, 400, "invalid_argument"},
		{"recall no words", "POST", "/api/v1/recall", `{"context":"!!!"}`, 400, "invalid_argument"},
		{"import bad JSON", "POST", "/api/v1/import", `{"memories":{}}`, 422, "invalid_argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.call(t, c.method, c.path, c.body)
			if r.status != c.status || r.errCode() != c.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.errCode(), c.status, c.code, r.raw)
			}
			e := r.body["error"].(map[string]any)
			if msg, _ := e["message"].(string); msg == "" {
				t.Fatalf("error without a message: %s", r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	// Nothing above wrote anything but the one memory.
	if st := a.must(t, 200, "GET", "/api/v1/stats", nil); st.body["total"] != 1.0 {
		t.Fatalf("bad requests changed the store: %s", st.raw)
	}
}

// A body over 2 MiB is refused with 413 whether or not it declares its
// length up front.
func TestBodyLimit(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	huge := `{"title":"t","content":"` + strings.Repeat("y", memory.MaxBodyBytes) + `"}`
	if r := a.call(t, "POST", "/api/v1/memories", huge); r.status != 413 || r.errCode() != "too_large" {
		t.Fatalf("declared length: %d %s", r.status, r.raw)
	}
	// io.MultiReader hides the length, so the request is sent chunked.
	req, _ := http.NewRequest("POST", a.url+"/api/v1/memories/bulk", io.MultiReader(strings.NewReader(huge)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !bytes.Contains(body, []byte(`"too_large"`)) {
		t.Fatalf("chunked: %d %s", resp.StatusCode, body)
	}
}

func TestAPIKey(t *testing.T) {
	a := newTestAPI(t, Options{APIKey: "s3cret-key"}, sqlite.Options{})
	noKey := &testAPI{url: a.url}
	// Health stays open for load balancers.
	noKey.must(t, 200, "GET", "/api/v1/health", nil)
	for _, path := range []string{"/api/v1/memories", "/api/v1/stats", "/metrics", "/api/v1/nope"} {
		r := noKey.call(t, "GET", path, nil)
		if r.status != 401 || r.errCode() != "unauthorized" {
			t.Fatalf("%s without key: %d %s", path, r.status, r.raw)
		}
	}
	for _, hdr := range [][]string{
		{"X-API-Key", "wrong"}, {"X-API-Key", "s3cret-ke"}, {"X-API-Key", "s3cret-key2"},
		{"Authorization", "Bearer wrong"}, {"Authorization", "Basic s3cret-key"},
	} {
		if r := noKey.call(t, "GET", "/api/v1/stats", nil, hdr...); r.status != 401 {
			t.Fatalf("%v accepted: %d", hdr, r.status)
		}
	}
	noKey.must(t, 200, "GET", "/api/v1/stats", nil, "X-API-Key", "s3cret-key")
	noKey.must(t, 200, "GET", "/api/v1/stats", nil, "Authorization", "Bearer s3cret-key")
	noKey.must(t, 200, "GET", "/api/v1/stats", nil, "Authorization", "bearer s3cret-key")
	// A refused write wrote nothing.
	noKey.must(t, 401, "POST", "/api/v1/memories", map[string]any{"title": "t"})
	if st := a.must(t, 200, "GET", "/api/v1/stats", nil); st.body["total"] != 0.0 {
		t.Fatalf("unauthorised write landed: %s", st.raw)
	}
}

// A broken store answers 500 (internal, cause not leaked) and health 503.
func TestStoreFailure(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	a.create(t, map[string]any{"title": "t", "content": "c"})
	a.store.Close()
	r := a.call(t, "GET", "/api/v1/memories", nil)
	if r.status != 500 || r.errCode() != "internal" || r.body["error"].(map[string]any)["message"] != "internal error" {
		t.Fatalf("closed store: %d %s", r.status, r.raw)
	}
	if r := a.call(t, "GET", "/api/v1/health", nil); r.status != 503 || r.str("status") != "unhealthy" {
		t.Fatalf("health on closed store: %d %s", r.status, r.raw)
	}
}

// unreachablePeers is a Replicator for a cluster whose peers are all down:
// every write misses its quorum after the local commit, as the engine
// contract describes.
type unreachablePeers struct{}

func (unreachablePeers) Replicate(context.Context, *memory.Batch) (int, error) {
	return 1, &memory.Error{Code: memory.CodeQuorumNotMet, Message: "1 of 2 copies durable",
		Details: map[string]any{"got": 1, "needed": 2, "reason": "unreachable"}}
}

func TestQuorumNotMet(t *testing.T) {
	a := newTestAPI(t, Options{FederationEnabled: true}, sqlite.Options{})
	a.eng.SetReplicator(unreachablePeers{})
	r := a.call(t, "POST", "/api/v1/memories", map[string]any{"title": "t", "content": "c"})
	e, _ := r.body["error"].(map[string]any)
	if r.status != 503 || r.errCode() != "quorum_not_met" || e["got"] != 1.0 || e["needed"] != 2.0 || e["reason"] != "unreachable" {
		t.Fatalf("quorum miss: %d %s", r.status, r.raw)
	}
	if r.header.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// The local copy is kept and named.
	id, _ := e["id"].(string)
	a.eng.SetReplicator(nil)
	a.must(t, 200, "GET", "/api/v1/memories/"+id, nil)
	if h := a.must(t, 200, "GET", "/api/v1/health", nil); h.body["federation_enabled"] != true {
		t.Fatalf("health: %s", h.raw)
	}
}

// ackingPeers reports that every write reached three nodes.
type ackingPeers struct{}

func (ackingPeers) Replicate(context.Context, *memory.Batch) (int, error) { return 3, nil }

func TestQuorumAcksReported(t *testing.T) {
	a := newTestAPI(t, Options{FederationEnabled: true}, sqlite.Options{})
	a.eng.SetReplicator(ackingPeers{})
	r := a.must(t, 201, "POST", "/api/v1/memories", map[string]any{"title": "t", "content": "c"})
	if r.body["quorum_acks"] != 3.0 || r.str("id") == "" {
		t.Fatalf("acks: %s", r.raw)
	}
}

var memoryErrorForbidden = memory.Error{Code: memory.CodeForbidden, Message: "peer not allowed"}

func TestConflict(t *testing.T) {
	a := newTestAPI(t, Options{}, sqlite.Options{})
	a.create(t, map[string]any{"title": "taken"})
	id := a.create(t, map[string]any{"title": "free"})
	r := a.call(t, "PUT", "/api/v1/memories/"+id, map[string]any{"title": "taken"})
	if r.status != 409 || r.errCode() != "conflict" {
		t.Fatalf("rename onto a taken title: %d %s", r.status, r.raw)
	}
}

package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httperror"
	"github.com/aimemory/ai-memory/sqlite"
)

// FuzzDecodeBody: any byte string decodes into every request type or fails
// with a coded client error, never a panic or an internal error.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"title":"t","content":"c","tags":["a"],"priority":5,"metadata":{"k":[1,{"x":null}]}}`,
		`{"title":"t","expires_at":"2030-01-01T00:00:00Z","ttl_secs":5}`, `[{"title":"a"}]`, `{"memories":[{"title":"a"}]}`,
		`{"ids":["a","b"],"title":"x"}`, `{"version":"123","memories":[{"id":"x","version":99}]}`, `{"priority":1e400}`,
		`{"title":"\ud800"}`, `{"a":1}`, `null`, `"`, `{"context":"fox","budget_tokens":-1}`, ``, `{}{}`} {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return new(engine.NewMemory) }, func() any { return new(engine.Patch) },
		func() any { return new(bulkRequest) }, func() any { return new([]engine.NewMemory) },
		func() any { return new(searchRequest) }, func() any { return new(recallRequest) },
		func() any { return new(linkRequest) }, func() any { return new(engine.ForgetQuery) },
		func() any { return new(engine.ConsolidateInput) }, func() any { return new(engine.Export) },
		func() any { return new(purgeRequest) }, func() any { return new(promoteRequest) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newT := range targets {
			err := decodeBody(body, newT(), false)
			if err == nil {
				continue
			}
			var me *memory.Error
			if !errors.As(err, &me) {
				t.Fatalf("uncoded error %T: %v", err, err)
			}
			if s := httperror.Status(me.Code); s != 400 && s != 422 {
				t.Fatalf("decode error with status %d: %v", s, err)
			}
		}
	})
}

// FuzzCreateMemory posts arbitrary bodies through the whole server onto a
// real SQLite store: the answer is 201 or a 4xx JSON error, never a 5xx.
func FuzzCreateMemory(f *testing.F) {
	for _, s := range []string{`{"title":"t","content":"c"}`, `{"title":"t","namespace":"a/b","tier":"long","tags":["x","y"]}`,
		`{"title":"t","metadata":{"deep":{"er":[1,2,3]}}}`, `{"title":" ","content":"c"}`, `{"title":"t","source":"a b"}`,
		`{"title":"t","namespace":"a//b"}`, `{"title":"t","ttl_secs":0}`, `{"title":"t","expires_at":"1999-01-01T00:00:00Z"}`} {
		f.Add([]byte(s))
	}
	a := newTestAPI(f, Options{}, sqlite.Options{Synchronous: "NORMAL"})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := a.call(t, "POST", "/api/v1/memories", body)
		if r.status == 201 {
			if r.str("id") == "" {
				t.Fatalf("201 without id: %s", r.raw)
			}
			return
		}
		if r.status < 400 || r.status >= 500 || r.errCode() == "" {
			t.Fatalf("body %q: %d %s", body, r.status, r.raw)
		}
	})
}

// FuzzSearch: user text through memory.Terms into a real SQLite FTS5 index
// never errors at the store, and the HTTP search never answers 5xx.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{`"AND (`, `NEAR/`, `fox`, `a OR b`, `col:umn`, `*`, "\u200b", `"" "`, `NEAR(a b, 3)`, `-x +y ^z`, `{a b}`} {
		f.Add(s)
	}
	a := newTestAPI(f, Options{}, sqlite.Options{Synchronous: "NORMAL"})
	ctx := context.Background()
	if _, err := a.eng.StoreMany(ctx, []engine.NewMemory{
		{Title: "fox", Content: "the quick brown fox NEAR the AND OR NOT words"},
		{Title: "ünïcode", Content: "日本語 テキスト and émoji 🦊 text"},
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		terms := memory.Terms(text)
		for _, all := range []bool{true, false} {
			q := memory.SearchQuery{ListQuery: memory.ListQuery{Limit: 10}, Terms: terms, MatchAll: all}
			if len(terms) > 0 {
				if _, err := a.store.Search(ctx, q); err != nil {
					t.Fatalf("terms %q: %v", terms, err)
				}
			}
		}
		for _, path := range []string{"/api/v1/search?q=", "/api/v1/recall?context="} {
			r := a.call(t, "GET", path+url.QueryEscape(text), nil)
			if r.status != http.StatusOK && r.status != http.StatusBadRequest {
				t.Fatalf("%s%q: %d %s", path, text, r.status, r.raw)
			}
		}
	})
}

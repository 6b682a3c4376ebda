package faults

import (
	"bytes"
	"encoding/json"
	"net/http"

	memory "github.com/aimemory/ai-memory"
)

// IgnoreRemote is the clock observe policy of HLCIgnoreRemote: the clock
// keeps its own last stamp whatever it sees.
func IgnoreRemote(last, _ memory.HLC) memory.HLC { return last }

// CopyIdenticalRetry is the title upsert policy of RetryDuplicates: a store
// updates the memory holding its title only when the content differs, so
// a retried store (same title, same content) becomes a second memory.
func CopyIdenticalRetry(stored, incoming *memory.Memory) bool {
	return stored.Content != incoming.Content
}

// listRoute is the route ListCap20 caps.
const listRoute = "/api/v1/memories"

// CapList is the HTTP middleware of ListCap20: a successful
// GET /api/v1/memories answers at most n of its rows, with count to
// match, has_more=false and no next_cursor, so a client paging until
// has_more is false silently misses the rest. Every other request passes
// untouched.
func CapList(n int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != listRoute {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			body := rec.body.Bytes()
			if rec.status == http.StatusOK {
				body = capPage(body, n)
			}
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.status)
			w.Write(body)
		})
	}
}

// capPage cuts a list page's memories to n; a body it cannot read is left
// as it is.
func capPage(body []byte, n int) []byte {
	var page map[string]json.RawMessage
	var mems []json.RawMessage
	if json.Unmarshal(body, &page) != nil || json.Unmarshal(page["memories"], &mems) != nil {
		return body
	}
	mems = mems[:min(n, len(mems))]
	page["memories"], _ = json.Marshal(mems)
	page["count"], _ = json.Marshal(len(mems))
	page["has_more"] = json.RawMessage("false")
	delete(page, "next_cursor")
	out, err := json.Marshal(page)
	if err != nil {
		return body
	}
	return append(out, '\n')
}

// recorder holds a response until CapList has rewritten it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// testAPI is a real server on a real SQLite file behind a loopback socket.
type testAPI struct {
	url   string
	eng   *engine.Engine
	store *sqlite.Store
	srv   *Server
	key   string
}

func newTestAPI(t testing.TB, opts Options, storeOpts sqlite.Options) *testAPI {
	t.Helper()
	return newTestAPIAt(t, filepath.Join(t.TempDir(), "api.db"), opts, storeOpts)
}

// newTestAPIAt is newTestAPI on the SQLite file at path.
func newTestAPIAt(t testing.TB, path string, opts Options, storeOpts sqlite.Options) *testAPI {
	t.Helper()
	st, err := sqlite.Open(path, storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng := engine.New(st, engine.Options{NodeID: "test-node", PromoteAfter: engine.DefaultPromoteAfter})
	opts.Engine = eng
	srv := New(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testAPI{url: hs.URL, eng: eng, store: st, srv: srv, key: opts.APIKey}
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// errCode is the error.code of an error reply, or "".
func (r reply) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r reply) str(key string) string { s, _ := r.body[key].(string); return s }

// call sends body (a string, []byte or any JSON-able value; nil for none).
func (a *testAPI) call(t testing.TB, method, path string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if a.key != "" {
		req.Header.Set("X-API-Key", a.key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return r
}

// must asserts the status and returns the reply.
func (a *testAPI) must(t testing.TB, status int, method, path string, body any, hdr ...string) reply {
	t.Helper()
	r := a.call(t, method, path, body, hdr...)
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

// create stores a memory and returns its id.
func (a *testAPI) create(t testing.TB, fields map[string]any) string {
	t.Helper()
	r := a.must(t, http.StatusCreated, "POST", "/api/v1/memories", fields)
	id := r.str("id")
	if id == "" {
		t.Fatalf("create answered no id: %s", r.raw)
	}
	return id
}

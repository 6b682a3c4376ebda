package federation

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Bad pushes and feed requests get a clear error and change nothing.
func TestSyncEndpointsRejectBadInput(t *testing.T) {
	nodes := startCluster(t, 2, 2, nil) // W=2: "kept" is on b when store returns
	id, err := nodes[0].store(t, "kept")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", PathPush, "{not json", 400, "invalid_argument"},
		{"POST", PathPush, `{"memories":[{"id":"` + id + `","title":"","version":"99999999999999"}]}`, 400, "invalid_argument"},
		{"GET", PathSince + "?seq=-1", "", 400, "invalid_argument"},
		{"GET", PathSince + "?limit=100000", "", 400, "invalid_argument"},
		{"GET", PathSince + "?seq=abc", "", 400, "invalid_argument"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, nodes[1].url+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(raw, &body)
		if resp.StatusCode != c.status || body.Error.Code != c.code || body.Error.Message == "" {
			t.Errorf("%s %s: %d %s, want %d %s with a message", c.method, c.path, resp.StatusCode, raw, c.status, c.code)
		}
	}
	m, err := nodes[1].st.GetMemory(ctxT(t), id)
	if err != nil || m.Title != "kept" {
		t.Fatalf("after refused pushes: %+v, %v", m, err)
	}
}

// Without a peer CA the sync endpoints sit behind the API key.
func TestSyncEndpointsNeedAPIKey(t *testing.T) {
	nodes := newTestNodes(t, 1)
	nodes[0].apiKey = "k"
	nodes[0].start(t, Config{Peers: []string{blackhole(t)}, W: 1, SyncInterval: -1, APIKey: "k"})
	for _, key := range []string{"", "wrong"} {
		req, _ := http.NewRequest("GET", nodes[0].url+PathSince, nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("since with key %q: %d, want 401", key, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", nodes[0].url+PathSince, nil)
	req.Header.Set("X-API-Key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("since with the key: %d", resp.StatusCode)
	}
}

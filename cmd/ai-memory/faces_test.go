package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/mcpserver"
	"github.com/aimemory/ai-memory/sqlite"
)

// facesServer serves the HTTP API and MCP at /mcp over one engine on a
// real SQLite file, in this process, as serve wires them.
func facesServer(t *testing.T) (*httptest.Server, *engine.Engine, memory.Store) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "faces.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.Open(context.Background(), st, engine.Options{NodeID: "faces"})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Options{Engine: eng})
	api.Handle("/mcp", mcpserver.Handler(eng, mcpserver.Options{}))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, eng, st
}

func mcpSession(t *testing.T, url string) *mcp.ClientSession {
	t.Helper()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "faces", Version: "1"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func postJSON(url string, body any) (int, error) {
	raw, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Stores of one title arriving at once through every write route of the
// HTTP API and through MCP end as one memory: the engine serialises them
// whichever face they came from.
func TestSameTitleAcrossFacesKeepsOneMemory(t *testing.T) {
	srv, _, st := facesServer(t)
	cs := mcpSession(t, srv.URL)
	const rounds = 12
	var wg sync.WaitGroup
	errs := make(chan error, 3*rounds)
	for i := range rounds {
		content := fmt.Sprintf("round %d", i)
		wg.Add(3)
		go func() {
			defer wg.Done()
			if code, err := postJSON(srv.URL+"/api/v1/memories", map[string]any{"title": "race", "namespace": "faces", "content": content}); err != nil || code != 201 {
				errs <- fmt.Errorf("POST /memories: %d %v", code, err)
			}
		}()
		go func() {
			defer wg.Done()
			body := []map[string]any{{"title": "race", "namespace": "faces", "content": content}}
			if code, err := postJSON(srv.URL+"/api/v1/memories/bulk", body); err != nil || code != 201 {
				errs <- fmt.Errorf("POST /memories/bulk: %d %v", code, err)
			}
		}()
		go func() {
			defer wg.Done()
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "memory_store",
				Arguments: map[string]any{"title": "race", "namespace": "faces", "content": content}})
			if err != nil || res.IsError {
				errs <- fmt.Errorf("MCP memory_store: %v %+v", err, res)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := st.CountMemories(context.Background(), memory.ListQuery{Namespace: "faces"})
	if err != nil || n != 1 {
		t.Fatalf("%d memories titled race after %d concurrent stores over HTTP, bulk and MCP (%v); want 1", n, 3*rounds, err)
	}
}

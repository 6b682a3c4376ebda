package mcpserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// The latency figures of the issue (initialize at 100 000 memories, store
// and recall at 10 000) need minutes of seeding, so they run only with
// AI_MEMORY_MCP_BENCH=1:
//
//	AI_MEMORY_MCP_BENCH=1 go test ./mcpserver -run Latency -v -timeout 30m
func benchEnabled(t *testing.T) {
	if os.Getenv("AI_MEMORY_MCP_BENCH") != "1" {
		t.Skip("latency benchmark: set AI_MEMORY_MCP_BENCH=1 (seeds 100 000 memories)")
	}
}

// seedDB writes n memories of synthetic prose into a new SQLite file,
// applying pre-built batches directly (the engine's per-item de-duplication
// lookups would make seeding 100 000 memories take many minutes).
func seedDB(t *testing.T, n int) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), fmt.Sprintf("bench-%d.db", n))
	st, err := sqlite.Open(db, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := memory.NewClock()
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%x", rng.Uint32()%0xfffff)
	}
	words := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	start := time.Now()
	for done := 0; done < n; {
		b := &memory.Batch{Op: "seed"}
		for i := 0; i < memory.MaxBatchItems && done < n; i, done = i+1, done+1 {
			now := time.Now().UTC().Truncate(time.Millisecond)
			b.Memories = append(b.Memories, memory.Memory{ID: memory.NewID(now), Tier: memory.TierLong,
				Namespace: fmt.Sprintf("ns%d", done%20), Title: fmt.Sprintf("memory %d %s", done, words(3)), Content: words(40),
				Tags: []string{}, Priority: 5, Confidence: 1, Source: "bench", Metadata: map[string]any{},
				CreatedAt: now, UpdatedAt: now, State: memory.StateActive, Origin: "bench", Version: clock.Tick()})
		}
		if _, err := st.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded %d memories in %s", n, time.Since(start).Round(time.Millisecond))
	return db
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// TestInitializeLatencyAt100k measures initialize against a 100 000-memory
// database two ways. In process: a server already running on the store
// answers initialize (what the server controls; the budget is 100 ms p95).
// As a client sees it: a fresh `ai-memory mcp` process per handshake, from
// spawn to the answer, interleaved with the same on an empty database so
// machine load affects both alike; the gap shows the database size costs
// nothing before the handshake (no warm-up, no backfill).
func TestInitializeLatencyAt100k(t *testing.T) {
	benchEnabled(t)
	big := seedDB(t, 100_000)
	empty := seedDB(t, 0)

	st, err := sqlite.Open(big, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms := New(engine.New(st, engine.Options{NodeID: "bench"}), Options{})
	var inproc []time.Duration
	for range 200 {
		sst, ct := mcp.NewInMemoryTransports()
		ss, err := ms.Connect(context.Background(), sst, nil)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		inproc = append(inproc, time.Since(start))
		cs.Close()
		ss.Wait()
	}
	st.Close()

	spawn := func(db string) time.Duration {
		start := time.Now()
		cl := startMCP(t, db, nil)
		if res := cl.initialize("2025-11-25"); str(res, "result", "protocolVersion") != "2025-11-25" {
			t.Fatalf("initialize: %v", res)
		}
		d := time.Since(start)
		cl.in.Close()
		return d
	}
	var bigLat, emptyLat []time.Duration
	for range 30 {
		bigLat = append(bigLat, spawn(big))
		emptyLat = append(emptyLat, spawn(empty))
	}
	p95 := percentile(inproc, 0.95)
	t.Logf("initialize at 100k memories, running server (%d handshakes): p50 %s p95 %s max %s",
		len(inproc), percentile(inproc, 0.5), p95, percentile(inproc, 1))
	t.Logf("spawn to initialize answer (%d processes each): 100k memories p50 %s p95 %s; empty database p50 %s p95 %s",
		len(bigLat), percentile(bigLat, 0.5), percentile(bigLat, 0.95), percentile(emptyLat, 0.5), percentile(emptyLat, 0.95))
	if p95 > 100*time.Millisecond {
		t.Fatalf("initialize p95 %s exceeds 100ms", p95)
	}
	if gap := percentile(bigLat, 0.5) - percentile(emptyLat, 0.5); gap > 50*time.Millisecond {
		t.Fatalf("a fresh process answers initialize %s later on 100k memories than on none: size-dependent start-up work", gap)
	}
}

// TestStoreRecallLatencyAt10k measures tools/call memory_store and
// memory_recall round trips over stdio against 10 000 memories.
func TestStoreRecallLatencyAt10k(t *testing.T) {
	benchEnabled(t)
	db := seedDB(t, 10_000)
	cl := startMCP(t, db, nil)
	cl.initialize("2025-11-25")
	cl.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	rng := rand.New(rand.NewPCG(3, 4))
	var store, recall, broad []time.Duration
	for i := range 300 {
		start := time.Now()
		cl.toolOK(1000+i, "memory_store", map[string]any{"title": fmt.Sprintf("bench store %d", i),
			"content": fmt.Sprintf("latency probe %d with some words", rng.IntN(1000)), "namespace": "bench"})
		store = append(store, time.Since(start))
		n := rng.IntN(10_000)
		start = time.Now()
		// A selective recall: the number is in one seeded title.
		out := cl.toolOK(5000+i, "memory_recall", map[string]any{"context": fmt.Sprintf("%d", n), "limit": 10})
		recall = append(recall, time.Since(start))
		if num(out, "count") < 1 {
			t.Fatalf("recall of %d found nothing", n)
		}
		start = time.Now()
		// A broad recall: "memory" is in every title, so all 10 000 match.
		cl.toolOK(9000+i, "memory_recall", map[string]any{"context": fmt.Sprintf("memory %d", n), "limit": 10})
		broad = append(broad, time.Since(start))
	}
	t.Logf("stdio at 10k memories, %d calls each: store p50 %s p95 %s; recall p50 %s p95 %s; broad recall (every memory matches) p50 %s p95 %s",
		len(store), percentile(store, 0.5), percentile(store, 0.95), percentile(recall, 0.5), percentile(recall, 0.95),
		percentile(broad, 0.5), percentile(broad, 0.95))
}

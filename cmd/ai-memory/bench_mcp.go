package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

type mcpBenchReport struct {
	N           int      `json:"n"`
	Matches     string   `json:"matches"`
	All         latency  `json:"search_common"`
	InNamespace latency  `json:"search_common_namespace"`
	Targets     []target `json:"targets"`
}

// benchMCP seeds --n memories, starts `ai-memory mcp` on them and times
// memory_search of the common word (one memory in commonEvery holds it),
// limit 10, without and with a namespace filter, alternately.
func (b *bench) runMCP(ctx context.Context, path string) error {
	if err := b.seed(ctx, path, b.n); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.CommandContext(ctx, self, "mcp", "--db", path)
	child.Stderr = b.a.stderr
	in, err := child.StdinPipe()
	if err != nil {
		return err
	}
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { in.Close(); child.Wait() }()
	rpc := &stdioRPC{in: in, out: bufio.NewReader(out)}
	if _, err := rpc.call("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "bench", "version": "1"}}); err != nil {
		return err
	}
	if err := rpc.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}); err != nil {
		return err
	}
	search := func(ns string) func() error {
		args := map[string]any{"query": commonWord, "limit": 10}
		if ns != "" {
			args["namespace"] = ns
		}
		return func() error {
			_, err := rpc.call("tools/call", map[string]any{"name": "memory_search", "arguments": args})
			return err
		}
	}
	var all, inNS []time.Duration
	for i := range 2 * b.ops {
		op, dst := search(""), &all
		if i%2 == 1 {
			op, dst = search(benchNamespace(3)), &inNS
		}
		t0 := time.Now()
		if err := op(); err != nil {
			return err
		}
		*dst = append(*dst, time.Since(t0))
	}
	rep := mcpBenchReport{N: b.n, Matches: fmt.Sprintf("1 in %d memories", commonEvery), All: summarize(all), InNamespace: summarize(inNS)}
	rep.Targets = []target{check("mcp_search_common_p95_ms", rep.All.P95, 1, false),
		check("mcp_search_common_namespace_p95_ms", rep.InNamespace.P95, 1, false)}
	return b.a.print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "memory_search %q (%s) over MCP stdio at %d memories, limit 10\n", commonWord, rep.Matches, rep.N)
		fmt.Fprintf(w, "all namespaces  p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms\n", rep.All.P50, rep.All.P95, rep.All.P99)
		fmt.Fprintf(w, "one namespace   p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms\n", rep.InNamespace.P50, rep.InNamespace.P95, rep.InNamespace.P99)
		printTargets(w, rep.Targets)
	})
}

// stdioRPC speaks newline-delimited JSON-RPC to a child, one call at a time.
type stdioRPC struct {
	in  io.Writer
	out *bufio.Reader
	id  int
}

func (r *stdioRPC) send(msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = r.in.Write(append(b, '\n'))
	return err
}

func (r *stdioRPC) call(method string, params any) (json.RawMessage, error) {
	r.id++
	if err := r.send(map[string]any{"jsonrpc": "2.0", "id": r.id, "method": method, "params": params}); err != nil {
		return nil, err
	}
	for {
		line, err := r.out.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(line, &resp) != nil || resp.ID == nil || *resp.ID != r.id {
			continue // a notification or another id
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error)
		}
		return resp.Result, nil
	}
}

// seed stores n bench memories into the file at path (StoreMany,
// batches of 1000) and closes it.
func (b *bench) seed(ctx context.Context, path string, n int) error {
	st, err := sqlite.Open(path, sqlite.Options{Synchronous: b.synchronous})
	if err != nil {
		return err
	}
	defer st.Close()
	eng, err := engine.Open(ctx, st, engine.Options{NodeID: "bench"})
	if err != nil {
		return err
	}
	c := newCorpus(b.vocab)
	for i := 0; i < n; i += 1000 {
		batch := make([]engine.NewMemory, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			batch = append(batch, c.memory(j))
		}
		if _, err := eng.StoreMany(ctx, batch); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	return st.Close()
}

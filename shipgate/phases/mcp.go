package phases

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
)

// mcpToolCount speaks MCP over stdio to `ai-memory mcp` as a client would:
// initialize, notifications/initialized (upstream skipped it), then
// tools/list following nextCursor to the last page. It returns the number
// of tools and pages.
func (e *Env) mcpToolCount(ctx context.Context, dir, db string) (tools, pages int, err error) {
	ctx, cancel := context.WithTimeout(ctx, e.Cfg.Phase1.CommandTimeout.D())
	defer cancel()
	// Real pipes, not io.Pipe: the child holds the far ends itself, so its
	// exit closes stdout (EOF here) without waiting on our goroutines.
	inR, inW, err := os.Pipe()
	if err != nil {
		return 0, 0, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return 0, 0, err
	}
	defer outR.Close()
	p, err := e.Sup.Start(cluster.ProcSpec{
		Name: "ai-memory mcp", Path: e.Binary, Args: []string{"--db", db, "mcp"}, Dir: dir,
		Env: []string{"HOME=" + dir, "AI_MEMORY_DB=" + db}, Stdin: inR, Stdout: outW,
	})
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		return 0, 0, err
	}
	defer func() {
		inW.Close() // EOF asks the server to exit
		select {
		case <-p.Done():
		case <-time.After(2 * time.Second):
			p.Kill()
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			p.Kill()
		case <-p.Done():
		}
	}()

	lines := make(chan []byte)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
	}()
	send := func(v any) error {
		b, _ := json.Marshal(v)
		_, err := inW.Write(append(b, '\n'))
		return err
	}
	type rpcResp struct {
		ID     *int            `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	await := func(id int) (json.RawMessage, error) {
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return nil, fmt.Errorf("mcp exited before answering request %d", id)
				}
				var r rpcResp
				if json.Unmarshal(l, &r) != nil || r.ID == nil || *r.ID != id {
					continue // a notification or log line
				}
				if r.Error != nil {
					return nil, fmt.Errorf("mcp error %d: %s", r.Error.Code, r.Error.Message)
				}
				return r.Result, nil
			case <-ctx.Done():
				return nil, fmt.Errorf("mcp: no answer to request %d: %w", id, ctx.Err())
			}
		}
	}
	if err := send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "ship-gate", "version": "1"},
	}}); err != nil {
		return 0, 0, err
	}
	if _, err := await(1); err != nil {
		return 0, 0, fmt.Errorf("initialize: %w", err)
	}
	if err := send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}); err != nil {
		return 0, 0, err
	}
	cursor := ""
	for id := 2; id < 1000; id++ {
		params := map[string]any{}
		if cursor != "" {
			params["cursor"] = cursor
		}
		if err := send(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": params}); err != nil {
			return tools, pages, err
		}
		res, err := await(id)
		if err != nil {
			return tools, pages, fmt.Errorf("tools/list: %w", err)
		}
		var page struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if err := json.Unmarshal(res, &page); err != nil {
			return tools, pages, fmt.Errorf("tools/list result: %w", err)
		}
		tools += len(page.Tools)
		pages++
		if page.NextCursor == "" {
			return tools, pages, nil
		}
		if page.NextCursor == cursor {
			return tools, pages, fmt.Errorf("tools/list cursor %q does not advance", cursor)
		}
		cursor = page.NextCursor
	}
	return tools, pages, fmt.Errorf("tools/list: too many pages")
}

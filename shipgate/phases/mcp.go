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

// mcpSession speaks MCP over stdio to `ai-memory mcp` as a client would:
// initialize, then notifications/initialized (upstream skipped it), then
// requests one at a time.
type mcpSession struct {
	ctx    context.Context
	cancel context.CancelFunc
	proc   *cluster.Proc
	in     *os.File
	out    *os.File
	lines  chan []byte
	nextID int
}

// openMCP starts `ai-memory mcp` on db and initializes the session. The
// session lives until close or the phase-1 command timeout.
func (e *Env) openMCP(ctx context.Context, dir, db string) (*mcpSession, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Cfg.Phase1.CommandTimeout.D())
	// Real pipes, not io.Pipe: the child holds the far ends itself, so its
	// exit closes stdout (EOF here) without waiting on our goroutines.
	inR, inW, err := os.Pipe()
	if err != nil {
		cancel()
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		cancel()
		inR.Close()
		inW.Close()
		return nil, err
	}
	p, err := e.Sup.Start(cluster.ProcSpec{
		Name: "ai-memory mcp", Path: e.Binary, Args: []string{"--db", db, "mcp"}, Dir: dir,
		Env: []string{"HOME=" + dir, "AI_MEMORY_DB=" + db}, Stdin: inR, Stdout: outW,
	})
	inR.Close()
	outW.Close()
	if err != nil {
		cancel()
		inW.Close()
		outR.Close()
		return nil, err
	}
	s := &mcpSession{ctx: ctx, cancel: cancel, proc: p, in: inW, out: outR, lines: make(chan []byte), nextID: 1}
	go func() {
		select {
		case <-ctx.Done():
			p.Kill()
		case <-p.Done():
		}
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			s.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(s.lines)
	}()
	if _, err := s.request("initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "ship-gate", "version": "1"},
	}); err != nil {
		s.close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	if err := s.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *mcpSession) send(v any) error {
	b, _ := json.Marshal(v)
	_, err := s.in.Write(append(b, '\n'))
	return err
}

// request sends one request and waits for its answer.
func (s *mcpSession) request(method string, params any) (json.RawMessage, error) {
	id := s.nextID
	s.nextID++
	if err := s.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
		return nil, err
	}
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return nil, fmt.Errorf("mcp exited before answering %s", method)
			}
			var r struct {
				ID     *int            `json:"id"`
				Result json.RawMessage `json:"result"`
				Error  *struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(l, &r) != nil || r.ID == nil || *r.ID != id {
				continue // a notification or log line
			}
			if r.Error != nil {
				return nil, fmt.Errorf("mcp error %d: %s", r.Error.Code, r.Error.Message)
			}
			return r.Result, nil
		case <-s.ctx.Done():
			return nil, fmt.Errorf("mcp: no answer to %s: %w", method, s.ctx.Err())
		}
	}
}

// callTool calls one tool and decodes its structured result into out.
func (s *mcpSession) callTool(name string, args map[string]any, out any) error {
	res, err := s.request("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var r struct {
		IsError           bool            `json:"isError"`
		Content           json.RawMessage `json:"content"`
		StructuredContent json.RawMessage `json:"structuredContent"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if r.IsError {
		return fmt.Errorf("%s: tool error: %s", name, r.Content)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.StructuredContent, out)
}

// close ends the session: EOF asks the server to exit.
func (s *mcpSession) close() {
	s.in.Close()
	select {
	case <-s.proc.Done():
	case <-time.After(2 * time.Second):
		s.proc.Kill()
	}
	s.cancel()
	s.out.Close()
	go func() {
		for range s.lines { // let the reader see the closed pipe and end
		}
	}()
}

// mcpToolCount lists the tools following nextCursor to the last page and
// returns the number of tools and pages.
func (e *Env) mcpToolCount(ctx context.Context, dir, db string) (tools, pages int, err error) {
	s, err := e.openMCP(ctx, dir, db)
	if err != nil {
		return 0, 0, err
	}
	defer s.close()
	cursor := ""
	for range 1000 {
		params := map[string]any{}
		if cursor != "" {
			params["cursor"] = cursor
		}
		res, err := s.request("tools/list", params)
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

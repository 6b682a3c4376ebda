package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxLineBytes bounds one inbound JSON-RPC line.
const MaxLineBytes = 4 << 20

// LineTransport is MCP's stdio transport, newline-delimited JSON-RPC, that
// survives bad input: a line that is not JSON gets a -32700 parse error and
// one that is not a JSON-RPC message a -32600 invalid request, and the
// session goes on (the SDK's own stdio transport ends the session on the
// first undecodable line).
type LineTransport struct {
	In  io.Reader
	Out io.Writer
}

// Connect implements mcp.Transport.
func (t *LineTransport) Connect(context.Context) (mcp.Connection, error) {
	c := &lineConn{out: t.Out, lines: make(chan lineOrErr), closed: make(chan struct{})}
	go c.readLoop(t.In)
	return c, nil
}

type lineOrErr struct {
	line []byte
	err  error
}

type lineConn struct {
	out     io.Writer
	writeMu sync.Mutex
	// inFlight counts requests read but not yet answered, so that at end
	// of input the answers still being computed are written before the
	// session closes (a client may pipe requests and close stdin).
	mu        sync.Mutex
	inFlight  int
	idle      chan struct{} // closed when inFlight drops to zero during drain
	lines     chan lineOrErr
	closed    chan struct{}
	closeOnce sync.Once
}

// readLoop runs in its own goroutine so Close can unblock Read even though
// stdin cannot be interrupted.
func (c *lineConn) readLoop(in io.Reader) {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := readLine(r)
		select {
		case c.lines <- lineOrErr{line, err}:
		case <-c.closed:
			return
		}
		if err != nil && err != errLineTooLong {
			return
		}
	}
}

var errLineTooLong = errors.New("line exceeds the maximum length")

// readLine reads one line without its terminator. An over-long line is
// consumed to its end and reported as errLineTooLong.
func readLine(r *bufio.Reader) ([]byte, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong && len(buf)+len(chunk) > MaxLineBytes {
			tooLong, buf = true, nil
		}
		if !tooLong {
			buf = append(buf, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && tooLong:
			return nil, errLineTooLong
		case err == io.EOF && len(bytes.TrimSpace(buf)) > 0:
			return buf, nil // last line without a newline
		case err != nil:
			return nil, err
		case tooLong:
			return nil, errLineTooLong
		}
		return buf, nil
	}
}

func (c *lineConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		var l lineOrErr
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.closed:
			return nil, io.EOF
		case l = <-c.lines:
		}
		if l.err == errLineTooLong {
			c.replyError(nil, jsonrpc.CodeInvalidRequest, "request line exceeds 4 MiB")
			continue
		}
		if l.err != nil {
			c.drain()
			return nil, l.err
		}
		line := bytes.TrimSpace(l.line)
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			c.replyError(nil, jsonrpc.CodeParseError, "parse error: the line is not valid JSON")
			continue
		}
		if line[0] == '[' {
			c.replyError(nil, jsonrpc.CodeInvalidRequest, "JSON-RPC batches are not supported; send one message per line")
			continue
		}
		msg, err := jsonrpc.DecodeMessage(line)
		if err != nil {
			c.replyError(requestID(line), jsonrpc.CodeInvalidRequest, "invalid request: "+err.Error())
			continue
		}
		if req, ok := msg.(*jsonrpc.Request); ok && req.IsCall() {
			c.mu.Lock()
			c.inFlight++
			c.mu.Unlock()
		}
		return msg, nil
	}
}

// requestID recovers the id of an undecodable request, when it has one.
func requestID(line []byte) any {
	var probe struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(line, &probe) == nil {
		switch probe.ID.(type) {
		case string, float64:
			return probe.ID
		}
	}
	return nil
}

// replyError writes a JSON-RPC error response for input the SDK never saw.
func (c *lineConn) replyError(id any, code int64, msg string) {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": msg}})
	c.writeLine(b)
}

func (c *lineConn) Write(_ context.Context, msg jsonrpc.Message) error {
	b, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	err = c.writeLine(b)
	if _, ok := msg.(*jsonrpc.Response); ok {
		c.mu.Lock()
		if c.inFlight > 0 {
			c.inFlight--
		}
		if c.inFlight == 0 && c.idle != nil {
			close(c.idle)
			c.idle = nil
		}
		c.mu.Unlock()
	}
	return err
}

// drainTimeout bounds the wait for answers at end of input.
const drainTimeout = 30 * time.Second

// drain waits until every request read so far has been answered.
func (c *lineConn) drain() {
	c.mu.Lock()
	if c.inFlight == 0 {
		c.mu.Unlock()
		return
	}
	done := make(chan struct{})
	c.idle = done
	c.mu.Unlock()
	select {
	case <-done:
	case <-time.After(drainTimeout):
	case <-c.closed:
	}
}

func (c *lineConn) writeLine(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.out.Write(append(b, '\n'))
	return err
}

func (c *lineConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *lineConn) SessionID() string { return "" }

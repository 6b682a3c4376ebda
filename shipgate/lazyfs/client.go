package lazyfs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Client speaks the Serve protocol to a server process over its stdin
// and stdout, one command at a time.
type Client struct {
	w       io.Writer
	replies chan []byte // closed when the server's output ends

	mu sync.Mutex
	// broken is set once a reply was not waited for: a late one would
	// answer the next command.
	broken error
}

// NewClient reads replies from r (the server's stdout) and writes
// commands to w (its stdin).
func NewClient(w io.Writer, r io.Reader) *Client {
	c := &Client{w: w, replies: make(chan []byte)}
	go func() {
		defer close(c.replies)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c.replies <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	return c
}

// Ready waits for the server's first line, sent once it has mounted.
func (c *Client) Ready(ctx context.Context) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.next(ctx)
	if err == nil && !r.Ready {
		err = fmt.Errorf("lazyfs: expected the ready line, got %+v", r)
	}
	return r, err
}

// Do sends one command and returns its reply; a reply with ok false is an
// error too.
func (c *Client) Do(ctx context.Context, cmd string) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, cmd+"\n"); err != nil {
		return Reply{}, fmt.Errorf("lazyfs %s: %w", cmd, err)
	}
	r, err := c.next(ctx)
	if err == nil && !r.OK {
		err = fmt.Errorf("lazyfs %s: %s", cmd, r.Error)
	}
	return r, err
}

func (c *Client) next(ctx context.Context) (Reply, error) {
	if c.broken != nil {
		return Reply{}, c.broken
	}
	select {
	case line, ok := <-c.replies:
		if !ok {
			return Reply{}, errors.New("lazyfs: server output ended")
		}
		var r Reply
		if err := json.Unmarshal(line, &r); err != nil {
			return Reply{}, fmt.Errorf("lazyfs: bad reply %q: %w", line, err)
		}
		return r, nil
	case <-ctx.Done():
		c.broken = fmt.Errorf("lazyfs: an earlier reply never came: %w", ctx.Err())
		return Reply{}, ctx.Err()
	}
}

package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

// opTimeout bounds one fault request to an agent.
const opTimeout = 15 * time.Second

func (c *Conn) do(r Request) (Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return c.Do(ctx, r)
}

// Probe asks the agent what its host allows.
func (c *Conn) Probe(ctx context.Context) (Capabilities, error) {
	var caps Capabilities
	r, err := c.Do(ctx, Request{Op: OpProbe})
	if err == nil {
		err = json.Unmarshal([]byte(r.Text), &caps)
	}
	return caps, err
}

// Link is a proxy the agent runs on its host's loopback for one directed
// peer link.
type Link struct {
	c    *Conn
	Addr string // host:port on the host's loopback
}

// StartProxy starts a proxy on the host forwarding to target.
func (c *Conn) StartProxy(ctx context.Context, target string) (*Link, error) {
	r, err := c.Do(ctx, Request{Op: OpProxy, Target: target})
	if err != nil {
		return nil, err
	}
	return &Link{c: c, Addr: r.Text}, nil
}

// SetLatency delays each chunk by base plus up to jitter.
func (l *Link) SetLatency(base, jitter time.Duration) error {
	_, err := l.c.do(Request{Op: OpProxySet, Addr: l.Addr, Mode: "delay", Delay: int64(base), Jitter: int64(jitter)})
	return err
}

// SetDropResponses loses each answer chunk with probability prob.
func (l *Link) SetDropResponses(prob float64) error {
	_, err := l.c.do(Request{Op: OpProxySet, Addr: l.Addr, Mode: "drop_responses", Prob: prob})
	return err
}

// Pass restores the link.
func (l *Link) Pass() error {
	_, err := l.c.do(Request{Op: OpProxySet, Addr: l.Addr, Mode: "pass"})
	return err
}

// Dropped is how many answers the link lost on purpose so far.
func (l *Link) Dropped() (int64, error) {
	r, err := l.c.do(Request{Op: OpProxyDropped, Addr: l.Addr})
	return r.N, err
}

func (l *Link) Close() error {
	_, err := l.c.do(Request{Op: OpProxyClose, Addr: l.Addr})
	return err
}

// Disk is a lazyfs mount the agent serves on its host.
type Disk struct {
	c     *Conn
	Mount string
}

// StartDisk mounts a lazyfs of backing at mount on the host; the server's
// stderr goes to log there.
func (c *Conn) StartDisk(ctx context.Context, backing, mount, log string) (*Disk, error) {
	if _, err := c.Do(ctx, Request{Op: OpDiskStart, Path: backing, Dir: mount, Log: log}); err != nil {
		return nil, err
	}
	return &Disk{c: c, Mount: mount}, nil
}

// Do passes one lazyfs command (cut, fault MODE, stats) to the mount's
// server; a reply with ok false is an error too, as from lazyfs.Client.
func (d *Disk) Do(ctx context.Context, command string) (lazyfs.Reply, error) {
	var rep lazyfs.Reply
	r, err := d.c.Do(ctx, Request{Op: OpDisk, Dir: d.Mount, Command: command})
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal([]byte(r.Text), &rep); err != nil {
		return rep, fmt.Errorf("host %s: disk %s: bad reply %q: %w", d.c.Host.Name, command, r.Text, err)
	}
	if !rep.OK {
		return rep, fmt.Errorf("host %s: lazyfs %s: %s", d.c.Host.Name, command, rep.Error)
	}
	return rep, nil
}

// Close unmounts it and ends its server.
func (d *Disk) Close() error {
	_, err := d.c.do(Request{Op: OpDiskStop, Dir: d.Mount})
	return err
}

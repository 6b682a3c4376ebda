package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is an `ai-memory serve` process started by the bench, so the
// server's CPU, memory and latency are its own and the load generator's
// are not counted in them.
type child struct {
	cmd *exec.Cmd
	url string // http://127.0.0.1:PORT
}

// startServeChild runs this binary's serve on db with extra flags and waits for
// the line naming its address.
func (b *bench) startServeChild(ctx context.Context, db string, extra ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--db", db, "--log-level", "warn"}, extra...)
	if !slices.Contains(extra, "--port") {
		args = append(args, "--port", "0")
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = b.a.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("serve did not start: %w", err)
	}
	go io.Copy(io.Discard, out)
	// "ai-memory listening on http://127.0.0.1:PORT (node …)"
	fields := strings.Fields(line)
	if len(fields) < 4 {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("serve said %q", line)
	}
	return &child{cmd: cmd, url: fields[3]}, nil
}

// stop ends the child with SIGTERM and waits for it.
func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// peakRSSMiB is the child's high-water resident set (VmHWM).
func (c *child) peakRSSMiB() (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", c.cmd.Process.Pid)
}

// serveRSS starts serve on db, sends it --ops recalls and searches of the
// bench's kind over HTTP, and returns its peak resident set.
func (b *bench) serveRSS(ctx context.Context, db string, c *corpus) (float64, error) {
	srv, err := b.startServeChild(ctx, db)
	if err != nil {
		return 0, err
	}
	defer srv.stop()
	for i := range b.ops {
		route := "/api/v1/recall?context=" + url.QueryEscape(c.phrase(3))
		if i%2 == 1 {
			route = "/api/v1/search?q=" + url.QueryEscape(c.phrase(2))
		}
		resp, err := http.Get(srv.url + route)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("serve %s: %s", route, resp.Status)
		}
	}
	return srv.peakRSSMiB()
}

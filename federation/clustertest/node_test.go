package clustertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// options shape a cluster. Zero values take the defaults noted.
type options struct {
	w         int              // quorum writes; default 2
	timeoutMs int              // quorum timeout; default 2000
	syncMs    int              // sync interval; default 200
	faults    map[int][]string // --fault values per node index
	certs     *certs           // mTLS material; nil means plain HTTP
	apiKey    string
	// seed, when set, prepares node i's database file before it starts.
	seed func(tb testing.TB, i int, dbPath string)
	// held names nodes newCluster leaves stopped (started later by the test).
	held map[int]bool
}

// node is one `ai-memory serve` process and its data directory, which
// survives restarts.
type node struct {
	name string
	addr string
	url  string
	dir  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

type cluster struct {
	t      testing.TB
	nodes  []*node
	client *http.Client
	apiKey string
	ns     string
}

// freeAddrs picks loopback ports for n nodes up front, since every node
// names its peers on its command line.
func freeAddrs(t testing.TB, n int) []string {
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// newCluster starts three nodes, fully meshed.
func newCluster(t testing.TB, o options) *cluster {
	t.Helper()
	if o.w == 0 {
		o.w = 2
	}
	if o.timeoutMs == 0 {
		o.timeoutMs = 2000
	}
	if o.syncMs == 0 {
		o.syncMs = 200
	}
	scheme := "http"
	if o.certs != nil {
		scheme = "https"
	}
	addrs := freeAddrs(t, 3)
	c := &cluster{t: t, apiKey: o.apiKey, ns: namespaceFor(t.Name())}
	c.client = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16, Proxy: nil}}
	if o.certs != nil {
		c.client.Transport = &http.Transport{MaxIdleConnsPerHost: 16, Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: o.certs.pool}}
	}
	for i, a := range addrs {
		n := &node{name: string(rune('a' + i)), addr: a, url: scheme + "://" + a, dir: t.TempDir()}
		var peers []string
		for j, b := range addrs {
			if j != i {
				peers = append(peers, scheme+"://"+b)
			}
		}
		n.args = []string{"--db", filepath.Join(n.dir, "node.db"), "serve", "--host", "127.0.0.1",
			"--port", a[strings.LastIndex(a, ":")+1:], "--node-id", "node-" + n.name, "--log-level", "warn",
			"--quorum-writes", strconv.Itoa(o.w), "--quorum-peers", strings.Join(peers, ","),
			"--quorum-timeout-ms", strconv.Itoa(o.timeoutMs), "--sync-interval-ms", strconv.Itoa(o.syncMs)}
		if o.apiKey != "" {
			n.args = append(n.args, "--api-key", o.apiKey)
		}
		if o.certs != nil {
			crt, key := o.certs.node(t, n.name)
			n.args = append(n.args, "--tls-cert", crt, "--tls-key", key, "--peer-ca", o.certs.caFile, "--peer-cert", crt, "--peer-key", key)
		}
		if f := o.faults[i]; len(f) > 0 {
			n.args = append(n.args, "--unsafe-fault-injection")
			for _, v := range f {
				n.args = append(n.args, "--fault", v)
			}
		}
		c.nodes = append(c.nodes, n)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.kill()
		}
	})
	for i, n := range c.nodes {
		if o.seed != nil {
			o.seed(t, i, filepath.Join(n.dir, "node.db"))
		}
		if !o.held[i] {
			c.start(n)
		}
	}
	return c
}

// namespaceFor turns a test name into a valid namespace of its own.
func namespaceFor(name string) string {
	return "fed-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
}

// start runs the node's process and waits until it answers health.
func (c *cluster) start(n *node) {
	c.t.Helper()
	logf, err := os.OpenFile(filepath.Join(n.dir, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	n.cmd = exec.Command(binary, n.args...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() {
		n.cmd.Wait()
		logf.Close()
		close(n.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.do(n, http.MethodGet, "/api/v1/health", nil)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-n.done:
			c.t.Fatalf("node %s exited at start:\n%s", n.name, n.logTail())
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %s not healthy after 20s: %v\n%s", n.name, err, n.logTail())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (n *node) logTail() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "serve.log"))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// kill sends SIGKILL (also to a stopped process) and reaps it.
func (n *node) kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

func (n *node) signal(t testing.TB, s syscall.Signal) {
	if err := n.cmd.Process.Signal(s); err != nil {
		t.Fatalf("signal %v to node %s: %v", s, n.name, err)
	}
}

func (c *cluster) do(n *node, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, n.url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Agent-Id", "clustertest")
	if c.apiKey != "" {
		req.Header.Set("X-API-Key", c.apiKey)
	}
	return c.client.Do(req)
}

// call sends a request and decodes the JSON answer, whatever its status.
func (c *cluster) call(n *node, method, path string, body, out any) (int, http.Header, error) {
	resp, err := c.do(n, method, path, body)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, resp.Header, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("status %d, undecodable %q: %w", resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}

// writeAnswer holds the fields of a create answer, 201 or error.
type writeAnswer struct {
	ID    string `json:"id"`
	Error *struct {
		Code   string `json:"code"`
		ID     string `json:"id"`
		Got    int    `json:"got"`
		Needed int    `json:"needed"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// write creates one memory and returns the status and answer.
func (c *cluster) write(n *node, title string) (int, writeAnswer, error) {
	var a writeAnswer
	st, _, err := c.call(n, http.MethodPost, "/api/v1/memories",
		map[string]any{"title": title, "content": "content of " + title, "namespace": c.ns, "tier": "long"}, &a)
	return st, a, err
}

// burst runs writers goroutines each writing perWriter memories to n and
// returns the ids answered 201. stopAfter, when positive, is called once
// that many writes were acknowledged (to inject a fault mid-burst).
func (c *cluster) burst(n *node, writers, perWriter, stopAfter int, fault func()) (ok []string, other int) {
	var mu sync.Mutex
	var once sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				st, a, err := c.write(n, fmt.Sprintf("w%d-%d-%d", w, i, time.Now().UnixNano()))
				mu.Lock()
				if err == nil && st == http.StatusCreated && a.ID != "" {
					ok = append(ok, a.ID)
				} else {
					other++
				}
				fire := stopAfter > 0 && len(ok) == stopAfter
				mu.Unlock()
				if fire {
					once.Do(fault)
				}
			}
		}()
	}
	wg.Wait()
	return ok, other
}

// listed is one memory as the list endpoint shows it.
type listed struct {
	ID      string `json:"id"`
	Content string `json:"content"`
	Version string `json:"version"`
}

// memories pages through n's active memories of the test namespace.
func (c *cluster) memories(n *node) (map[string]listed, error) {
	out := map[string]listed{}
	cursor := ""
	for page := 0; page < 1000; page++ {
		var p struct {
			Memories   []listed `json:"memories"`
			HasMore    bool     `json:"has_more"`
			NextCursor string   `json:"next_cursor"`
		}
		st, _, err := c.call(n, http.MethodGet, "/api/v1/memories?limit=1000&namespace="+c.ns+"&cursor="+cursor, nil, &p)
		if err != nil || st != http.StatusOK {
			return nil, fmt.Errorf("list on %s: status %d, %v", n.name, st, err)
		}
		for _, m := range p.Memories {
			out[m.ID] = m
		}
		if !p.HasMore {
			return out, nil
		}
		cursor = p.NextCursor
	}
	return nil, fmt.Errorf("list on %s: more than 1000 pages", n.name)
}

// lost checks every acknowledged id on each node and returns the missing
// ones by node name (empty when none is missing).
func (c *cluster) lost(ids []string, on ...*node) (map[string][]string, error) {
	out := map[string][]string{}
	for _, n := range on {
		have, err := c.memories(n)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := have[id]; !ok {
				out[n.name] = append(out[n.name], id)
			}
		}
	}
	return out, nil
}

// settle waits until no acknowledged id is missing on the nodes, or
// within passes, and returns what is still missing.
func (c *cluster) settle(within time.Duration, ids []string, on ...*node) map[string][]string {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		miss, err := c.lost(ids, on...)
		if err == nil && len(miss) == 0 {
			return miss
		}
		if time.Now().After(deadline) {
			if err != nil {
				c.t.Fatalf("checking convergence: %v", err)
			}
			return miss
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func summary(miss map[string][]string) string {
	var parts []string
	for n, ids := range miss {
		parts = append(parts, fmt.Sprintf("node %s lacks %d (first %s)", n, len(ids), ids[0]))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

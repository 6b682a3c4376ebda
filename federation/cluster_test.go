package federation

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/sqlite"
)

// testNode is one in-process node: a real SQLite file, the real HTTP API
// and the federation endpoints, on a real loopback socket.
type testNode struct {
	name string
	dir  string
	addr string // host:port, kept across restarts
	url  string
	ln   net.Listener
	st   *sqlite.Store
	eng  *engine.Engine
	fed  *Node
	srv  *http.Server
	// wrap, when set before start, decorates the node's handler (delays).
	wrap func(http.Handler) http.Handler
	// apiKey, when set before start, guards the node's API.
	apiKey string
	down   bool
}

// newTestNodes reserves a listener per node so every node knows its
// peers' URLs before any of them starts.
func newTestNodes(t *testing.T, n int) []*testNode {
	t.Helper()
	nodes := make([]*testNode, n)
	for i := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		nodes[i] = &testNode{name: string(rune('a' + i)), dir: t.TempDir(), ln: ln, addr: addr, url: "http://" + addr}
	}
	return nodes
}

func peersOf(nodes []*testNode, self *testNode) []string {
	var out []string
	for _, o := range nodes {
		if o != self {
			out = append(out, o.url)
		}
	}
	return out
}

// start opens the node's store and serves it with cfg (Peers filled in).
func (n *testNode) start(t *testing.T, cfg Config) {
	t.Helper()
	if n.ln == nil {
		ln, err := net.Listen("tcp", n.addr)
		if err != nil {
			t.Fatal(err)
		}
		n.ln = ln
	}
	st, err := sqlite.Open(filepath.Join(n.dir, "node.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.st = st
	n.eng = engine.New(st, engine.Options{NodeID: "node-" + n.name})
	fed, err := New(n.eng, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.fed = fed
	n.eng.SetReplicator(fed)
	api := httpapi.New(httpapi.Options{Engine: n.eng, FederationEnabled: true, APIKey: n.apiKey})
	mount(api, fed)
	var h http.Handler = api
	if n.wrap != nil {
		h = n.wrap(h)
	}
	n.srv = &http.Server{Handler: h}
	go n.srv.Serve(n.ln)
	fed.Start()
	n.down = false
	t.Cleanup(func() { n.stop() })
}

// mount mounts fed's routes on api as serve does: peer routes behind
// PeerAuth, the others behind the API key.
func mount(api *httpapi.Server, fed *Node) {
	for _, rt := range fed.Routes() {
		if rt.Peer {
			api.HandleUnauthenticated(rt.Pattern, fed.PeerAuth(api.RequireAPIKey)(rt.Handler))
		} else {
			api.Handle(rt.Pattern, rt.Handler)
		}
	}
}

// unplug closes the reserved listener of a node not started yet, so
// pushes to it are refused instead of queueing in the accept backlog.
func (n *testNode) unplug() {
	n.ln.Close()
	n.ln = nil
}

// stop takes the node off the network abruptly (connections cut, no
// drain) and closes its store; its port stays reserved for a restart.
func (n *testNode) stop() {
	if n.down || n.srv == nil {
		return
	}
	n.down = true
	n.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	n.fed.Close(ctx)
	cancel()
	n.st.Close()
	n.ln = nil
}

func testConfig(nodes []*testNode, self *testNode, w int) Config {
	return Config{Peers: peersOf(nodes, self), W: w, QuorumTimeout: 2 * time.Second, SyncInterval: 100 * time.Millisecond}
}

func startCluster(t *testing.T, n, w int, tune func(*testNode, *Config)) []*testNode {
	t.Helper()
	nodes := newTestNodes(t, n)
	for _, nd := range nodes {
		cfg := testConfig(nodes, nd, w)
		if tune != nil {
			tune(nd, &cfg)
		}
		nd.start(t, cfg)
	}
	return nodes
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// store writes one memory through the node's engine, as the HTTP API does.
func (n *testNode) store(t *testing.T, title string) (string, error) {
	t.Helper()
	res, err := n.eng.Store(ctxT(t), engine.NewMemory{Title: title, Content: "content of " + title, Namespace: "fed"})
	return res.Memory.ID, err
}

// activeIDs pages through the node's active memories in the namespace.
func (n *testNode) activeIDs(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	q := memory.ListQuery{Namespace: "fed", Limit: 1000}
	for {
		page, more, err := n.st.ListMemories(ctxT(t), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			out[m.ID] = true
		}
		if !more || len(page) == 0 {
			return out
		}
		q.AfterID = page[len(page)-1].ID
	}
}

// missing lists the ids of want that node lacks.
func missing(have map[string]bool, want []string) []string {
	var out []string
	for _, id := range want {
		if !have[id] {
			out = append(out, id)
		}
	}
	return out
}

// eventually polls check every 50 ms until it returns "" or the deadline
// passes, then fails with the last complaint.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// converged reports "" when every running node holds exactly want.
func converged(t *testing.T, nodes []*testNode, want []string) func() string {
	return func() string {
		for _, n := range nodes {
			if n.down {
				continue
			}
			have := n.activeIDs(t)
			if miss := missing(have, want); len(miss) > 0 {
				return fmt.Sprintf("node %s lacks %d of %d ids (first %s)", n.name, len(miss), len(want), miss[0])
			}
			if len(have) != len(want) {
				return fmt.Sprintf("node %s holds %d ids, want %d", n.name, len(have), len(want))
			}
		}
		return ""
	}
}

func title(prefix string, i int) string { return prefix + "-" + strconv.Itoa(i) }

// reopen opens a stopped node's SQLite file again.
func reopen(n *testNode) (*sqlite.Store, error) {
	return sqlite.Open(filepath.Join(n.dir, "node.db"), sqlite.Options{})
}

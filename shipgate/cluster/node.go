package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/proc"
	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// NodeOptions are the serve settings shared by the nodes of a cluster.
type NodeOptions struct {
	Binary        string
	QuorumWrites  int           // 0: no federation
	QuorumTimeout time.Duration // --quorum-timeout-ms
	SyncInterval  time.Duration // --sync-interval-ms; 0 leaves the default
	Extra         []string      // appended to every serve
	StartTimeout  time.Duration
	HealthPoll    time.Duration
	StopGrace     time.Duration

	// Disk puts each node's database on a lazyfs mount (Node.Disk), for
	// power cuts and disk faults. DiskBinary is the ship-gate binary that
	// serves it ("" is this executable).
	Disk       bool
	DiskBinary string
}

// Node is one ai-memory serve with its own data directory, database, log
// and address.
type Node struct {
	Name  string
	Dir   string
	DB    string
	Log   string
	Host  string   // listen host
	Port  int      // listen port
	URL   string   // base URL the harness uses
	Peers []string // peer base URLs this node is given
	// Client reaches the node directly (health, settling, dumps); Traffic
	// goes through ClientLink, a proxy whose faults the workload meets.
	Client     *api.Client
	Traffic    *api.Client
	ClientLink *proxy.Proxy
	Disk       *Disk // nil unless NodeOptions.Disk

	opts NodeOptions
	wrap []string
	sup  *Supervisor
	// remote starts the node on another host instead (a Network that is
	// a launcher sets it); nil runs it here under the Supervisor.
	remote launcher

	mu     sync.Mutex
	proc   process
	starts int
}

// process is a running node: a child of this harness (*Proc) or a process
// an agent started on another host.
type process interface {
	PID() int
	Done() <-chan struct{}
	Exited() bool
	ExitState() string
	Signal(sig syscall.Signal) error
	Kill()
	Stop(grace time.Duration)
}

// launcher is a Network whose nodes run on other hosts.
type launcher interface {
	launch(ctx context.Context, n *Node, extra []string) (process, error)
	logTail(n *Node, max int) string
	// startDisk mounts the node's disk layer on its host: backed by disk/
	// in its directory, mounted on data/.
	startDisk(ctx context.Context, n *Node) (*Disk, error)
}

// serveArgs is the command line of one incarnation.
func (n *Node) serveArgs(extra []string) []string { return n.serveArgsOn(n.DB, extra) }

// serveArgsOn is serveArgs with the database at db.
func (n *Node) serveArgsOn(db string, extra []string) []string {
	a := []string{"serve", "--db", db, "--host", n.Host, "--port", strconv.Itoa(n.Port), "--node-id", n.Name}
	o := n.opts
	if o.QuorumWrites > 0 {
		a = append(a, "--quorum-writes", strconv.Itoa(o.QuorumWrites), "--quorum-peers", strings.Join(n.Peers, ","))
		if o.QuorumTimeout > 0 {
			a = append(a, "--quorum-timeout-ms", strconv.FormatInt(o.QuorumTimeout.Milliseconds(), 10))
		}
	}
	if o.SyncInterval > 0 {
		a = append(a, "--sync-interval-ms", strconv.FormatInt(o.SyncInterval.Milliseconds(), 10))
	}
	a = append(a, o.Extra...)
	return append(a, extra...)
}

// Start launches the node with extra serve args (on top of the cluster's)
// and waits until /api/v1/health answers 200.
func (n *Node) Start(ctx context.Context, extra ...string) error {
	n.mu.Lock()
	if n.proc != nil && !n.proc.Exited() {
		n.mu.Unlock()
		return fmt.Errorf("node %s already running", n.Name)
	}
	n.starts++
	if n.remote != nil {
		p, err := n.remote.launch(ctx, n, extra)
		if err != nil {
			n.mu.Unlock()
			return err
		}
		n.proc = p
		n.mu.Unlock()
		return n.waitHealthy(ctx, p)
	}
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.mu.Unlock()
		return err
	}
	fmt.Fprintf(logf, "=== ship-gate: start %d: serve %s\n", n.starts, strings.Join(n.serveArgs(extra), " "))
	p, err := n.sup.Start(ProcSpec{
		Name: "ai-memory serve " + n.Name, Path: n.opts.Binary, Args: n.serveArgs(extra),
		Env:  []string{"HOME=" + n.Dir, "AI_MEMORY_DB=" + n.DB, "AI_MEMORY_NODE_ID=" + n.Name},
		Wrap: n.wrap, Dir: n.Dir, Stdout: logf, Stderr: logf,
	})
	logf.Close() // the child holds its own descriptor
	if err != nil {
		n.mu.Unlock()
		return err
	}
	n.proc = p
	n.mu.Unlock()
	return n.waitHealthy(ctx, p)
}

func (n *Node) waitHealthy(ctx context.Context, p process) error {
	ctx, cancel := context.WithTimeout(ctx, n.opts.StartTimeout)
	defer cancel()
	tick := time.NewTicker(n.opts.HealthPoll)
	defer tick.Stop()
	for {
		hctx, hcancel := context.WithTimeout(ctx, time.Second)
		err := n.Client.Health(hctx)
		hcancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("node %s exited during startup (%s); log tail:\n%s", n.Name, p.ExitState(), n.LogTail(1500))
		case <-ctx.Done():
			return fmt.Errorf("node %s not healthy within %s: %v; log tail:\n%s", n.Name, n.opts.StartTimeout, err, n.LogTail(1500))
		case <-tick.C:
		}
	}
}

// Restart starts a stopped or killed node again with new extra args.
func (n *Node) Restart(ctx context.Context, extra ...string) error {
	n.Kill()
	return n.Start(ctx, extra...)
}

func (n *Node) current() process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// Alive reports whether the node's process is running.
func (n *Node) Alive() bool {
	p := n.current()
	return p != nil && !p.Exited()
}

// Kill SIGKILLs the node and waits until it is reaped.
func (n *Node) Kill() {
	if p := n.current(); p != nil {
		p.Kill()
	}
}

// Stop shuts the node down gracefully (SIGTERM, then SIGKILL after grace).
func (n *Node) Stop() {
	if p := n.current(); p != nil {
		p.Stop(n.opts.StopGrace)
	}
}

// Pause SIGSTOPs the node and returns once the kernel shows it stopped:
// signal delivery is asynchronous, and a pause that has not yet taken hold
// would let the node answer inside the fault. Resume SIGCONTs it.
func (n *Node) Pause() error {
	p := n.current()
	if p == nil {
		return fmt.Errorf("node %s not started", n.Name)
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	if n.remote != nil {
		return nil // the pid is on another host; its agent waited for the stop
	}
	if err := proc.WaitStopped(p.PID(), 2*time.Second); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	return nil
}

func (n *Node) Resume() error {
	p := n.current()
	if p == nil {
		return fmt.Errorf("node %s not started", n.Name)
	}
	return p.Signal(syscall.SIGCONT)
}

// PID of the current incarnation, 0 if never started.
func (n *Node) PID() int {
	if p := n.current(); p != nil {
		return p.PID()
	}
	return 0
}

// LogTail returns the last n bytes of the node's log.
func (n *Node) LogTail(max int) string {
	if n.remote != nil {
		return n.remote.logTail(n, max)
	}
	b, _ := os.ReadFile(n.Log)
	return string(tail(b, max))
}

// newNode prepares (but does not start) a node under root.
func newNode(sup *Supervisor, root, name, host string, port int, urlHost string, opts NodeOptions, client func(base string) *api.Client) (*Node, error) {
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := "http://" + net.JoinHostPort(urlHost, strconv.Itoa(port))
	return &Node{
		Name: name, Dir: dir, DB: filepath.Join(dir, "ai-memory.db"), Log: filepath.Join(dir, "serve.log"),
		Host: host, Port: port, URL: base, Client: client(base),
		opts: opts, sup: sup,
	}, nil
}

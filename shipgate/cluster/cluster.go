package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// Provider makes clusters: it decides where nodes listen and how their
// peer links run, so faults can cut them.
type Provider interface {
	Name() string
	// Unsupported says why a fault class cannot be applied to this
	// provider's nodes, "" if it can.
	Unsupported(class string) string
	// Network lays out the nodes of one cluster; lane separates clusters
	// that run at the same time.
	Network(ctx context.Context, lane int, names []string) (Network, error)
	Close() error
}

// Network is the wiring of one cluster.
type Network interface {
	// Node returns where node i listens, the host the harness dials, the
	// base URLs it must use for its peers, and a command prefix that runs
	// a process in its network (nil for none).
	Node(i int) (listenHost string, port int, dialHost string, peers []string, wrap []string)
	// Partition cuts node i from every peer, both directions.
	Partition(i int) error
	// PartitionOutbound cuts only the requests node i sends to its peers
	// (its pushes and pulls); its peers' requests to it still pass.
	PartitionOutbound(i int) error
	// PeerLinks are the proxies that carry node i's peer traffic: its own
	// requests to each peer, and each peer's requests to it.
	PeerLinks(i int) []Link
	// Heal restores every link.
	Heal() error
	Close() error
}

// Spec is one cluster to build.
type Spec struct {
	Names       []string
	Dir         string // data root; one subdirectory per node
	Lane        int
	Node        NodeOptions
	HTTPTimeout time.Duration
}

// Cluster is a set of nodes wired by a Network.
type Cluster struct {
	Nodes []*Node
	Net   Network
	http  *http.Transport
}

// New prepares a cluster (nodes not started).
func New(ctx context.Context, sup *Supervisor, prov Provider, spec Spec) (*Cluster, error) {
	if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
		return nil, err
	}
	nw, err := prov.Network(ctx, spec.Lane, spec.Names)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Net: nw, http: api.NewTransport()}
	client := func(base string) *api.Client {
		return &api.Client{Base: base, HTTP: &http.Client{Timeout: spec.HTTPTimeout, Transport: c.http}}
	}
	for i, name := range spec.Names {
		host, port, dial, peers, wrap := nw.Node(i)
		n, err := newNode(sup, spec.Dir, name, host, port, dial, spec.Node, client)
		if l, ok := nw.(launcher); ok && n != nil {
			n.remote = l
		}
		if err == nil && spec.Node.Disk {
			err = n.attachDisk(ctx)
		}
		if err == nil {
			n.ClientLink, err = proxy.Start(clientHost(nw), net.JoinHostPort(dial, strconv.Itoa(port)))
		}
		if err != nil {
			if n != nil {
				c.Nodes = append(c.Nodes, n)
			}
			c.Kill()
			return nil, err
		}
		n.Traffic = client("http://" + n.ClientLink.Addr())
		n.Peers, n.wrap = peers, wrap
		c.Nodes = append(c.Nodes, n)
	}
	return c, nil
}

// clientHost is where the harness's client links listen and dial from:
// loopback, or the address remote hosts know this machine by.
func clientHost(nw Network) string {
	if c, ok := nw.(interface{ clientHost() string }); ok {
		return c.clientHost()
	}
	return "127.0.0.1"
}

// closeDisks unmounts the nodes' disks, if any; the nodes must be dead.
func (c *Cluster) closeDisks() error {
	var errs []error
	for _, n := range c.Nodes {
		if n.Disk != nil {
			errs = append(errs, n.Disk.Close())
		}
	}
	return errors.Join(errs...)
}

// Start starts every node at once and waits until all are healthy.
func (c *Cluster) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = n.Start(ctx) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Index returns the position of node n.
func (c *Cluster) Index(n *Node) int {
	for i, m := range c.Nodes {
		if m == n {
			return i
		}
	}
	return -1
}

// Partition cuts n from its peers.
func (c *Cluster) Partition(n *Node) error {
	i := c.Index(n)
	if i < 0 {
		return fmt.Errorf("partition: unknown node")
	}
	return c.Net.Partition(i)
}

// Kill SIGKILLs every node at once (data is disposable), unmounts their
// disks and closes the network. Graceful shutdown is not under test here,
// speed is.
func (c *Cluster) Kill() error {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); n.Kill() }()
	}
	wg.Wait()
	for _, n := range c.Nodes {
		if n.ClientLink != nil {
			n.ClientLink.Close()
		}
	}
	c.http.CloseIdleConnections()
	return errors.Join(c.closeDisks(), c.Net.Close())
}

// PartitionOutbound cuts only n's own requests to its peers.
func (c *Cluster) PartitionOutbound(n *Node) error {
	i := c.Index(n)
	if i < 0 {
		return fmt.Errorf("partition: unknown node")
	}
	return c.Net.PartitionOutbound(i)
}

// Links are every proxy on n's paths: its peer links both ways and the
// harness's client link to it. Lost answers and latency are set on these.
func (c *Cluster) Links(n *Node) []Link {
	i := c.Index(n)
	if i < 0 {
		return nil
	}
	return append(c.Net.PeerLinks(i), LocalLink{n.ClientLink})
}

// Link is one directed link a fault can delay or lose answers on: a
// harness proxy (LocalLink), or one an agent runs on a remote host.
type Link interface {
	SetLatency(base, jitter time.Duration) error
	SetDropResponses(prob float64) error
	Pass() error
	// Dropped is how many answers it lost on purpose so far.
	Dropped() (int64, error)
}

// LocalLink is a proxy of this harness as a Link.
type LocalLink struct{ *proxy.Proxy }

func (l LocalLink) SetLatency(base, jitter time.Duration) error {
	l.Proxy.SetLatency(base, jitter)
	return nil
}

func (l LocalLink) SetDropResponses(prob float64) error {
	l.Proxy.SetDropResponses(prob)
	return nil
}

func (l LocalLink) Pass() error {
	l.Proxy.Set(proxy.Pass, 0)
	return nil
}

func (l LocalLink) Dropped() (int64, error) { return l.Proxy.Dropped(), nil }

// localLinks wraps harness proxies.
func localLinks(ps []*proxy.Proxy) []Link {
	out := make([]Link, len(ps))
	for i, p := range ps {
		out[i] = LocalLink{p}
	}
	return out
}

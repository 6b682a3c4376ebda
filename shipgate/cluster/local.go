package cluster

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// Local is the rootless provider: nodes on 127.0.0.1, each on its own port,
// and one harness-controlled TCP proxy per directed peer link.
type Local struct{}

func (Local) Name() string { return "local" }
func (Local) Close() error { return nil }

// Unsupported: every class runs, the disk ones where DiskUnavailable
// allows.
func (Local) Unsupported(class string) string { return diskUnsupported(class) }

type localNet struct {
	ports []int
	// links[i][j] carries node i's requests to node j (nil on the diagonal).
	links [][]*proxy.Proxy
}

func (Local) Network(ctx context.Context, lane int, names []string) (Network, error) {
	n := len(names)
	nw := &localNet{ports: make([]int, n), links: make([][]*proxy.Proxy, n)}
	for i := range n {
		p, err := freePort("127.0.0.1")
		if err != nil {
			return nil, err
		}
		nw.ports[i] = p
	}
	for i := range n {
		nw.links[i] = make([]*proxy.Proxy, n)
		for j := range n {
			if i == j {
				continue
			}
			p, err := proxy.Start("127.0.0.1", net.JoinHostPort("127.0.0.1", strconv.Itoa(nw.ports[j])))
			if err != nil {
				nw.Close()
				return nil, fmt.Errorf("link %s->%s: %w", names[i], names[j], err)
			}
			nw.links[i][j] = p
		}
	}
	return nw, nil
}

func (nw *localNet) Node(i int) (string, int, string, []string, []string) {
	var peers []string
	for j, p := range nw.links[i] {
		if j != i && p != nil {
			peers = append(peers, "http://"+p.Addr())
		}
	}
	return "127.0.0.1", nw.ports[i], "127.0.0.1", peers, nil
}

func (nw *localNet) set(i int, m proxy.Mode) {
	for j := range nw.links {
		if j == i {
			continue
		}
		nw.links[i][j].Set(m, 0)
		nw.links[j][i].Set(m, 0)
	}
}

// Partition blackholes both directions of every link of node i: packets
// vanish as behind a firewall DROP, so requests hang until their timeouts.
func (nw *localNet) Partition(i int) error {
	nw.set(i, proxy.Blackhole)
	return nil
}

// PartitionOutbound blackholes node i's links to its peers only.
func (nw *localNet) PartitionOutbound(i int) error {
	for j, p := range nw.links[i] {
		if j != i {
			p.Set(proxy.Blackhole, 0)
		}
	}
	return nil
}

func (nw *localNet) PeerLinks(i int) []Link {
	var out []*proxy.Proxy
	for j := range nw.links {
		if j != i {
			out = append(out, nw.links[i][j], nw.links[j][i])
		}
	}
	return localLinks(out)
}

func (nw *localNet) Heal() error {
	for i := range nw.links {
		for j, p := range nw.links[i] {
			if i != j && p != nil {
				p.Set(proxy.Pass, 0)
			}
		}
	}
	return nil
}

func (nw *localNet) Close() error {
	for i := range nw.links {
		for _, p := range nw.links[i] {
			if p != nil {
				p.Close()
			}
		}
	}
	return nil
}

package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// Netns is the root provider: one network namespace per node, joined by a
// bridge with no uplink and no default route, addresses from 198.18.0.0/24
// (the benchmarking range, never routed), every node on port 9077. Peer
// links run through harness proxies on the bridge's address 198.18.0.253,
// so lost answers and latency can be set per link; partitions are nftables
// rules inside the namespaces against that address: packets are really
// dropped by the kernel. It installs nothing and removes everything it made.
type Netns struct {
	sup    *Supervisor
	tag    string // short hash of the campaign id, for interface names
	bridge string

	mu    sync.Mutex
	lanes map[int]*netnsNet
}

const (
	netnsPrefix = "198.18.0."
	netnsHost   = "198.18.0.254" // the bridge's own address, for the harness
	netnsLinks  = "198.18.0.253" // the bridge's address for peer-link proxies
	netnsPort   = 9077
	netnsTable  = "shipgate"
)

// NewNetns checks the tools and privileges and creates the bridge.
func NewNetns(ctx context.Context, sup *Supervisor, campaign string) (*Netns, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("netns provider: needs root (use --provider local without)")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("netns provider: %q not found; install iproute2 and nftables (ship-gate installs nothing)", tool)
		}
	}
	// Two bridges carrying 198.18.0.0/24 split the subnet's routes between
	// them: the harness would reach some nodes over the wrong bridge and
	// read a healthy node as lost. One netns campaign per machine.
	if out, err := exec.CommandContext(ctx, "ip", "-o", "route", "show", netnsPrefix+"0/24").Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
		return nil, fmt.Errorf("netns provider: 198.18.0.0/24 is already routed here (%s): another netns campaign is running; run one at a time", strings.TrimSpace(string(out)))
	}
	h := sha256.Sum256([]byte(campaign))
	n := &Netns{sup: sup, tag: hex.EncodeToString(h[:])[:6], lanes: map[int]*netnsNet{}}
	n.bridge = "sgbr" + n.tag
	// The bridge gets a fixed MAC: left to itself it takes the lowest MAC
	// of its ports, so every namespace a later lane adds could change it,
	// and nodes whose ARP caches still name the old one would send the
	// harness's answers and their peer traffic into another namespace for
	// tens of seconds.
	mac := "02:" + n.tag[0:2] + ":" + n.tag[2:4] + ":" + n.tag[4:6] + ":00:01"
	if err := ipCmd(ctx, "link", "add", n.bridge, "address", mac, "type", "bridge"); err != nil {
		return nil, err
	}
	sup.TrackLink(n.bridge)
	for _, a := range [][]string{{"addr", "add", netnsHost + "/24", "dev", n.bridge}, {"addr", "add", netnsLinks + "/24", "dev", n.bridge}, {"link", "set", n.bridge, "up"}} {
		if err := ipCmd(ctx, a...); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

func (*Netns) Name() string { return "netns" }

// Unsupported: every class runs, the disk ones where DiskUnavailable
// allows (the namespaces share this machine's mounts).
func (*Netns) Unsupported(class string) string { return diskUnsupported(class) }

// Close deletes every namespace (which takes its veth pair along) and the
// bridge.
func (n *Netns) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	for _, l := range n.lanes {
		for _, ns := range l.ns {
			if err := ipCmd(context.Background(), "netns", "del", ns); err != nil {
				errs = append(errs, err)
			}
			n.sup.UntrackNetns(ns)
		}
	}
	n.lanes = map[int]*netnsNet{}
	if err := ipCmd(context.Background(), "link", "del", n.bridge); err != nil {
		errs = append(errs, err)
	}
	n.sup.UntrackLink(n.bridge)
	return errors.Join(errs...)
}

type netnsNet struct {
	ns    []string
	addrs []string
}

// laneStride is the number of addresses each lane owns: lane l's node i is
// 198.18.0.(3l+i+1), whatever the size of the cluster using the lane.
const laneStride = 3

// Network returns the namespaces of lane, creating the ones it lacks;
// consecutive clusters of a lane reuse them (their nodes and data are new).
func (n *Netns) Network(ctx context.Context, lane int, names []string) (Network, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(names) > laneStride {
		return nil, fmt.Errorf("netns provider: at most %d nodes per cluster", laneStride)
	}
	if (lane+1)*laneStride > 250 {
		return nil, fmt.Errorf("netns provider: lane %d exceeds 198.18.0.0/24", lane)
	}
	l := n.lanes[lane]
	if l == nil {
		l = &netnsNet{}
		n.lanes[lane] = l
	}
	for i := len(l.ns); i < len(names); i++ {
		ns := fmt.Sprintf("sg-%s-%d-%d", n.tag, lane, i)
		addr := fmt.Sprintf("%s%d", netnsPrefix, lane*laneStride+i+1)
		host := fmt.Sprintf("sgh%s%d%d", n.tag, lane, i)
		peer := fmt.Sprintf("sgn%s%d%d", n.tag, lane, i)
		if len(host) > 15 {
			return nil, fmt.Errorf("netns provider: interface name %s too long", host)
		}
		if err := ipCmd(ctx, "netns", "add", ns); err != nil {
			return nil, err
		}
		n.sup.TrackNetns(ns)
		steps := [][]string{
			{"link", "add", host, "type", "veth", "peer", "name", peer},
			{"link", "set", peer, "netns", ns},
			{"link", "set", host, "master", n.bridge},
			{"link", "set", host, "up"},
			{"-n", ns, "addr", "add", addr + "/24", "dev", peer},
			{"-n", ns, "link", "set", peer, "up"},
			{"-n", ns, "link", "set", "lo", "up"},
		}
		for _, s := range steps {
			if err := ipCmd(ctx, s...); err != nil {
				return nil, err
			}
		}
		l.ns, l.addrs = append(l.ns, ns), append(l.addrs, addr)
	}
	v := &netnsView{l: l, n: len(names), links: make([][]*proxy.Proxy, len(names))}
	for i := range names {
		v.links[i] = make([]*proxy.Proxy, len(names))
		for j := range names {
			if i == j {
				continue
			}
			p, err := proxy.StartBound(netnsLinks, fmt.Sprintf("%s:%d", l.addrs[j], netnsPort))
			if err != nil {
				v.Close()
				return nil, fmt.Errorf("link %s->%s: %w", names[i], names[j], err)
			}
			v.links[i][j] = p
		}
	}
	return v, nil
}

// netnsView is one cluster's use of a lane's namespaces.
type netnsView struct {
	l *netnsNet
	n int
	// links[i][j] carries node i's requests to node j.
	links [][]*proxy.Proxy
}

func (v *netnsView) Node(i int) (string, int, string, []string, []string) {
	var peers []string
	for j, p := range v.links[i] {
		if j != i && p != nil {
			peers = append(peers, "http://"+p.Addr())
		}
	}
	return v.l.addrs[i], netnsPort, v.l.addrs[i], peers, []string{"ip", "netns", "exec", v.l.ns[i]}
}

func (v *netnsView) PeerLinks(i int) []Link {
	var out []*proxy.Proxy
	for j := range v.n {
		if j != i {
			out = append(out, v.links[i][j], v.links[j][i])
		}
	}
	return localLinks(out)
}

// Partition drops, inside node i's namespace, every packet to or from the
// peer links' address: both directions are cut by the kernel.
func (v *netnsView) Partition(i int) error {
	return v.nft(i, fmt.Sprintf(`table inet %[1]s {
	chain in { type filter hook input priority 0; policy accept; ip saddr %[2]s drop; }
	chain out { type filter hook output priority 0; policy accept; ip daddr %[2]s drop; }
}
`, netnsTable, netnsLinks))
}

// PartitionOutbound drops, inside node i's namespace, the packets of the
// connections node i opens to its peers; connections its peers open to it
// (whose answers leave in the reply direction) still pass.
func (v *netnsView) PartitionOutbound(i int) error {
	return v.nft(i, fmt.Sprintf(`table inet %[1]s {
	chain out { type filter hook output priority 0; policy accept; ip daddr %[2]s ct direction original drop; }
}
`, netnsTable, netnsLinks))
}

// nft loads a rule set into node i's namespace.
func (v *netnsView) nft(i int, rules string) error {
	cmd := exec.Command("ip", "netns", "exec", v.l.ns[i], "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %v: %s", v.l.ns[i], err, out)
	}
	return nil
}

// Heal removes the partition table from every namespace of the cluster.
func (v *netnsView) Heal() error {
	var errs []error
	for i := range v.n {
		out, err := exec.Command("ip", "netns", "exec", v.l.ns[i], "nft", "delete", "table", "inet", netnsTable).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "No such file") {
			errs = append(errs, fmt.Errorf("nft heal in %s: %v: %s", v.l.ns[i], err, out))
		}
	}
	return errors.Join(errs...)
}

// Close heals and closes the cluster's link proxies; the namespaces stay
// for the lane's next cluster.
func (v *netnsView) Close() error {
	err := v.Heal()
	for i := range v.links {
		for _, p := range v.links[i] {
			if p != nil {
				p.Close()
			}
		}
	}
	return err
}

func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

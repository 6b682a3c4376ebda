package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/remote"
)

// SSH is the provider for real hosts: node i runs on inventory host i,
// started by the `ship-gate agent` deployed there, which the harness
// drives over the SSH session's stdio. Nodes talk to each other host to
// host, each through a proxy its own host's agent runs on loopback for
// each peer link (latency and lost answers are set there); a partition is
// an nftables table the agent loads on the victim's host; the disk layer
// is a `ship-gate lazyfs` the agent runs. Everything ship-gate puts on a
// host lives under its data dir's campaign directory and is removed by
// the agent: at teardown, when the harness's connection closes, or when
// it hears nothing for DeadMan.
type SSH struct {
	inv       *remote.Inventory
	campaign  string
	tag       string
	acceptNew bool
	deadMan   time.Duration

	mu    sync.Mutex
	conns []*remote.Conn
	// caps[i] is what host i allows, probed at deploy.
	caps []remote.Capabilities
	// started are nodes launched at least once: a database is copied to
	// the host only before the first start.
	started map[*Node]bool
}

// SSHDeadMan is how long an agent waits without a word from the harness
// before it tears its host down.
const SSHDeadMan = 10 * time.Second

// sshPortBase: lane l's nodes listen on sshPortBase+l, below the
// ephemeral range.
const sshPortBase = 29100

// NewSSH reads the inventory; Deploy connects to the hosts.
func NewSSH(inventory, campaign string, acceptNew bool) (*SSH, error) {
	inv, err := remote.LoadInventory(inventory)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(campaign))
	return &SSH{inv: inv, campaign: campaign, tag: hex.EncodeToString(h[:])[:6], acceptNew: acceptNew,
		deadMan: SSHDeadMan, started: map[*Node]bool{}}, nil
}

func (*SSH) Name() string { return "ssh" }

// Deploy connects to every host (host keys checked), copies the binary
// under test and this ship-gate there, and starts the agents.
func (s *SSH) Deploy(ctx context.Context, aiMemory string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	kh := s.inv.KnownHosts
	if kh == "" {
		home, _ := os.UserHomeDir()
		kh = filepath.Join(home, ".ssh", "known_hosts")
	}
	conns := make([]*remote.Conn, len(s.inv.Hosts))
	caps := make([]remote.Capabilities, len(s.inv.Hosts))
	errs := make([]error, len(s.inv.Hosts))
	var wg sync.WaitGroup
	var khMu sync.Mutex // appending to known_hosts from several dials at once
	for i, h := range s.inv.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			khMu.Lock()
			c, err := remote.Dial(ctx, h, kh, s.acceptNew)
			khMu.Unlock()
			if err == nil {
				conns[i], err = remote.Deploy(ctx, c, h, s.campaign, map[string]string{"ai-memory": aiMemory, "ship-gate": self}, s.deadMan)
				if err != nil {
					c.Close()
				}
			}
			if err == nil {
				caps[i], err = conns[i].Probe(ctx)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	s.mu.Lock()
	for i, c := range conns {
		if c != nil {
			s.conns = append(s.conns, c)
			s.caps = append(s.caps, caps[i])
		}
	}
	s.mu.Unlock()
	return errors.Join(errs...)
}

// HostRecord is what the evidence says about one host.
type HostRecord struct {
	Name    string            `json:"name"`
	Address string            `json:"address"`
	Root    string            `json:"root"`
	SHA256  map[string]string `json:"sha256"`
	// Allows is what the host's agent found it allows (nftables, the
	// FUSE disk layer): "" each when it does, else why not.
	Allows remote.Capabilities `json:"allows"`
}

// Hosts are the deployed hosts with the digests they computed.
func (s *SSH) Hosts() []HostRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HostRecord
	for i, c := range s.conns {
		out = append(out, HostRecord{Name: c.Host.Name, Address: c.Host.Address, Root: c.Root, SHA256: c.SHA256, Allows: s.caps[i]})
	}
	return out
}

// Unsupported says why a fault class cannot be applied over SSH ("" if
// it can): partitions need nftables on every host, the disk classes the
// FUSE layer on every host, as each host's agent found when probed. Every
// other class goes through the agents (process signals, their proxies) or
// the nodes' fault endpoint (clock skew).
func (s *SSH) Unsupported(class string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) == 0 {
		return "ssh provider: no host deployed"
	}
	fc, _ := config.Class(class)
	var why []string
	for i, c := range s.conns {
		switch {
		case (class == config.PartitionMinority || class == config.PartitionAsymmetric) && s.caps[i].Nft != "":
			why = append(why, fmt.Sprintf("host %s: %s", c.Host.Name, s.caps[i].Nft))
		case fc.NeedsDisk && s.caps[i].Disk != "":
			why = append(why, fmt.Sprintf("host %s: %s", c.Host.Name, s.caps[i].Disk))
		}
	}
	if len(why) == 0 {
		return ""
	}
	return "ssh provider: " + strings.Join(why, "; ")
}

// MigrationPlacement is where phase 3 runs over ssh, for its artifact.
// Its one node (the seeding server) runs on the first host like any node;
// the migrations and the reads that judge them run on the control host.
func (s *SSH) MigrationPlacement() string {
	h := s.inv.Hosts[0]
	return fmt.Sprintf("the seeding node ran on host %s (%s), started by its agent; its database came back over SFTP when it stopped. "+
		"migrate, export, the MCP records, sqlite3 and psql ran on the control host: the throwaway PostgreSQL is the harness's and "+
		"listens on the control host's loopback only (the hosts need no PostgreSQL), and migrate is a CLI run of the same binary, "+
		"whose sha256 every host confirmed (%s)", h.Name, h.Address, "ssh-hosts.json")
}

// Close tears every host down through its agent and checks its campaign
// directory is gone.
func (s *SSH) Close() error {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Close() }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *SSH) conn(i int) (*remote.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.conns) {
		return nil, fmt.Errorf("ssh provider: no deployed host %d (%d deployed)", i, len(s.conns))
	}
	return s.conns[i], nil
}

// Network places node i on host i, listening on the lane's port.
func (s *SSH) Network(ctx context.Context, lane int, names []string) (Network, error) {
	if len(names) > len(s.inv.Hosts) {
		return nil, fmt.Errorf("ssh provider: %d nodes for %d hosts", len(names), len(s.inv.Hosts))
	}
	v := &sshNet{s: s, lane: lane, n: len(names), port: sshPortBase + lane, links: make([][]*remote.Link, len(names))}
	for i := range names {
		v.links[i] = make([]*remote.Link, len(names))
		c, err := s.conn(i)
		if err != nil {
			v.Close()
			return nil, err
		}
		for j := range names {
			if i == j {
				continue
			}
			if v.links[i][j], err = c.StartProxy(ctx, net.JoinHostPort(v.addr(j), strconv.Itoa(v.port))); err != nil {
				v.Close()
				return nil, fmt.Errorf("link %s->%s: %w", names[i], names[j], err)
			}
		}
	}
	return v, nil
}

type sshNet struct {
	s    *SSH
	lane int
	n    int
	port int
	// links[i][j] carries node i's requests to node j: a proxy on host
	// i's loopback, run by its agent, dialing host j from host i.
	links [][]*remote.Link
}

func (v *sshNet) addr(i int) string { return v.s.inv.Hosts[i].Address }

func (v *sshNet) Node(i int) (string, int, string, []string, []string) {
	var peers []string
	for j, l := range v.links[i] {
		if j != i && l != nil {
			peers = append(peers, "http://"+l.Addr)
		}
	}
	return v.addr(i), v.port, v.addr(i), peers, nil
}

func (v *sshNet) PeerLinks(i int) []Link {
	var out []Link
	for j := range v.n {
		if j != i {
			out = append(out, v.links[i][j], v.links[j][i])
		}
	}
	return out
}

// clientHost: the client links dial the nodes from the inventory's client
// address (a proxy dials from the address it listens on).
func (v *sshNet) clientHost() string { return v.s.inv.Client.Address }

// table is the lane's nftables table on every host.
func (v *sshNet) table() string { return fmt.Sprintf("shipgate_%s_l%d", v.s.tag, v.lane) }

func (v *sshNet) peerSet(i int) string {
	var p []string
	for j := range v.n {
		if j != i {
			p = append(p, v.addr(j))
		}
	}
	return strings.Join(p, ", ")
}

// Partition drops, on node i's host, every packet of the lane's port to
// or from its peers: both directions, by the kernel. Node i's own peer
// proxies dial its peers from this host, so its requests are cut too.
func (v *sshNet) Partition(i int) error {
	return v.nft(i, fmt.Sprintf(`table inet %[1]s {
	chain in { type filter hook input priority 0; policy accept; ip saddr { %[2]s } tcp dport %[3]d drop; ip saddr { %[2]s } tcp sport %[3]d drop; }
	chain out { type filter hook output priority 0; policy accept; ip daddr { %[2]s } tcp dport %[3]d drop; ip daddr { %[2]s } tcp sport %[3]d drop; }
}
`, v.table(), v.peerSet(i), v.port))
}

// PartitionOutbound drops only the packets of connections node i opens to
// its peers.
func (v *sshNet) PartitionOutbound(i int) error {
	return v.nft(i, fmt.Sprintf(`table inet %[1]s {
	chain out { type filter hook output priority 0; policy accept; ip daddr { %[2]s } tcp dport %[3]d ct direction original drop; }
}
`, v.table(), v.peerSet(i), v.port))
}

func (v *sshNet) nft(i int, rules string) error {
	c, err := v.s.conn(i)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = c.Do(ctx, remote.Request{Op: remote.OpNft, Table: v.table(), Rules: rules})
	return err
}

// Heal deletes the lane's table on every host of the cluster.
func (v *sshNet) Heal() error {
	var errs []error
	for i := range v.n {
		c, err := v.s.conn(i)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			_, err = c.Do(ctx, remote.Request{Op: remote.OpNftDelete, Table: v.table()})
			cancel()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close heals and closes the cluster's link proxies.
func (v *sshNet) Close() error {
	errs := []error{v.Heal()}
	for i := range v.links {
		for _, l := range v.links[i] {
			if l != nil {
				errs = append(errs, l.Close())
			}
		}
	}
	return errors.Join(errs...)
}

// remotePath is where a local path of the harness lives on the host:
// under the campaign directory, so teardown removes it.
func remotePath(c *remote.Conn, local string) string { return c.Root + "/n" + local }

// launch starts node n on its host. A database the harness prepared here
// (phase 1's CLI store, phase 3's seed) is copied to the host before the
// node's first start, and back after a graceful stop.
func (v *sshNet) launch(ctx context.Context, n *Node, extra []string) (process, error) {
	c, err := v.hostOf(n)
	if err != nil {
		return nil, err
	}
	db := remotePath(c, n.DB)
	// A database outside the node's own directory is one the harness
	// prepared or will read here; it is mirrored.
	mirror := !strings.HasPrefix(n.DB, n.Dir+string(filepath.Separator))
	v.s.mu.Lock()
	first := !v.s.started[n]
	v.s.started[n] = true
	v.s.mu.Unlock()
	if mirror && first {
		for _, suffix := range []string{"", "-wal"} {
			if _, err := os.Stat(n.DB + suffix); err == nil {
				if err := c.Upload(n.DB+suffix, db+suffix); err != nil {
					return nil, fmt.Errorf("node %s: copy database to %s: %w", n.Name, c.Host.Name, err)
				}
			}
		}
	}
	dir := remotePath(c, n.Dir)
	if _, err := c.Do(ctx, remote.Request{Op: remote.OpMkdir, Dir: dir}); err != nil {
		return nil, err
	}
	if _, err := c.Do(ctx, remote.Request{Op: remote.OpMkdir, Dir: filepath.Dir(db)}); err != nil {
		return nil, err
	}
	p, err := c.Start(ctx, c.Binaries["ai-memory"], n.serveArgsOn(db, extra),
		[]string{"HOME=" + dir, "AI_MEMORY_DB=" + db, "AI_MEMORY_NODE_ID=" + n.Name}, dir, remotePath(c, n.Log))
	if err != nil {
		return nil, err
	}
	return &sshProc{Process: p, c: c, n: n, db: db, copyBack: mirror}, nil
}

// hostOf is the connection to node n's host.
func (v *sshNet) hostOf(n *Node) (*remote.Conn, error) {
	for j := range v.n {
		if v.addr(j) == n.Host && v.port == n.Port {
			return v.s.conn(j)
		}
	}
	return nil, fmt.Errorf("node %s (%s:%d) is on no host of this cluster", n.Name, n.Host, n.Port)
}

func (v *sshNet) logTail(n *Node, max int) string {
	c, err := v.hostOf(n)
	if err != nil {
		return err.Error()
	}
	return c.Tail(remotePath(c, n.Log), max)
}

// startDisk has node n's host's agent mount its disk layer: disk/ in the
// node's directory there, mounted on data/, the server's log beside them.
func (v *sshNet) startDisk(ctx context.Context, n *Node) (*Disk, error) {
	c, err := v.hostOf(n)
	if err != nil {
		return nil, err
	}
	dir := remotePath(c, n.Dir)
	backing, mount := dir+"/disk", dir+"/data"
	d, err := c.StartDisk(ctx, backing, mount, dir+"/lazyfs.log")
	if err != nil {
		return nil, err
	}
	return &Disk{Backing: backing, Mount: mount, srv: d}, nil
}

// sshProc is a remote node; a graceful stop of one whose database came
// from this machine copies it back, so local readers see what it served.
type sshProc struct {
	*remote.Process
	c        *remote.Conn
	n        *Node
	db       string
	copyBack bool
}

func (p *sshProc) Stop(grace time.Duration) {
	p.Process.Stop(grace)
	if !p.copyBack {
		return
	}
	os.Remove(p.n.DB + "-wal")
	os.Remove(p.n.DB + "-shm")
	for _, suffix := range []string{"", "-wal"} {
		if p.c.Exists(p.db + suffix) {
			p.c.Download(p.db+suffix, p.n.DB+suffix)
		}
	}
}

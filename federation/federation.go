// Package federation joins ai-memory nodes into one logical store: W-of-N
// quorum writes, anti-entropy sync and the peer endpoints under
// /api/v1/sync/.
//
// Write path. The engine commits every mutation locally (the first copy),
// then calls Node.Replicate, which pushes the batch to every peer in
// parallel (POST /api/v1/sync/push) and returns once W-1 distinct peers
// acknowledged a durable apply. A peer counts once however often it acks,
// and peers are told apart by the node id they answer with, so two URLs of
// one node are one copy. If W copies are not held within the quorum
// timeout the write fails with quorum_not_met (HTTP 503): "not guaranteed",
// never rolled back. The local copy stays, pushes keep going after the
// answer on a context that belongs to the node, not to the request, and
// anti-entropy carries the write to any peer the pushes missed.
//
// Anti-entropy. Every node pulls each peer's change feed
// (GET /api/v1/sync/since?seq=N) every sync interval and applies it. The
// feed is in the peer's local sequence order and holds every row the peer
// has, whoever wrote it, so a node that was down, paused or partitioned
// catches up by itself and two survivors converge without the node that
// coordinated a write. The high-water mark is kept per peer node id under
// the local key sync_hwm/<node id>; a peer whose store was replaced comes
// back with a new node id and is read from the start. Rows are resolved by
// last writer wins on (HLC version, origin), so applying in any order and
// any number of times converges.
//
// Peer authentication. With a peer CA the sync endpoints accept only
// callers presenting a client certificate that chains to it (mTLS);
// otherwise they sit behind the API key like every other route.
package federation

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/faults"
)

// Defaults for the serve flags.
const (
	DefaultQuorumTimeout = 2 * time.Second
	DefaultSyncInterval  = time.Second
	// DefaultPageSize is how many rows one sync pull asks for.
	DefaultPageSize = 1000
	// MaxPageSize caps the limit a puller may ask for.
	MaxPageSize = 5000
)

// Config describes a node's place in a cluster.
type Config struct {
	// Peers are the base URLs of the other nodes (http:// or https://).
	Peers []string
	// W is the number of copies a write needs, this node's included:
	// 1..len(Peers)+1.
	W int
	// QuorumTimeout bounds the wait for W copies, and each push attempt.
	QuorumTimeout time.Duration
	// SyncInterval is the anti-entropy pull period; negative disables it.
	SyncInterval time.Duration
	// PageSize is the rows per sync pull; zero means DefaultPageSize.
	PageSize int
	// ClientTLS is used for calls to peers (client certificate and the CA
	// that signed the peers' server certificates); nil means defaults.
	ClientTLS *tls.Config
	// RequirePeerCert refuses sync callers without a verified client
	// certificate (set when a peer CA is configured).
	RequirePeerCert bool
	// APIKey is sent to peers, which require it when they have one.
	APIKey string
	// Faults are the injected defects (tests and the release gate only).
	Faults faults.Set
	// Registerer receives the federation metrics; nil skips them.
	Registerer prometheus.Registerer
	// Logger receives sync and fan-out problems; nil discards them.
	Logger *slog.Logger
}

// Engine is what a node needs of its own engine: the node id it answers
// peers with, and the apply of batches received from them, which moves
// the engine's clock past their versions.
type Engine interface {
	NodeID() string
	ApplyReplicated(ctx context.Context, b *memory.Batch) (memory.ApplyResult, error)
}

// Store is what a node reads and keeps in its engine's store: the change
// feed it serves to peers, the sync high-water marks it keeps per peer,
// and the rows the retry-duplicates fault looks up.
type Store interface {
	Changes(ctx context.Context, afterSeq int64, limit int) (memory.ChangeSet, error)
	HeadSeq(ctx context.Context) (int64, error)
	LocalGet(ctx context.Context, key string) (string, bool, error)
	LocalSet(ctx context.Context, key, value string) error
	GetMemory(ctx context.Context, id string) (*memory.Memory, error)
}

// Node is one member of a cluster. It implements memory.Replicator.
type Node struct {
	eng     Engine
	st      Store
	cfg     Config
	log     *slog.Logger
	peers   []*peer
	metrics *metrics
	// bg outlives every request: fan-out and sync run on it, and Close
	// cancels it only after the fan-out had its chance to finish.
	bg    context.Context
	stop  context.CancelFunc
	loops sync.WaitGroup
	recv  *receiver
	// quorum and ackWeight are the write path's strategies: awaitQuorum
	// and 1, unless a fault switch replaced them (plantQuorum).
	quorum    fanoutFunc
	ackWeight int
	// syncOff is set by a fault switch that anti-entropy would hide.
	syncOff bool
	// mu orders fan-out starts before Close's wait: once closing is set
	// no push starts, and sync carries what was not pushed.
	mu      sync.Mutex
	closing bool
	fanout  sync.WaitGroup
}

// New builds a node over eng and its store st. It does not start the sync
// loops (Start), install itself as the engine's replicator, nor mount its
// endpoints (Routes): the caller decides.
func New(eng Engine, st Store, cfg Config) (*Node, error) {
	if len(cfg.Peers) == 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "federation needs at least one peer URL")
	}
	if cfg.W < 1 || cfg.W > len(cfg.Peers)+1 {
		return nil, memory.Errorf(memory.CodeInvalid, "quorum of %d copies is impossible with %d peers (want 1..%d)", cfg.W, len(cfg.Peers), len(cfg.Peers)+1)
	}
	if cfg.QuorumTimeout <= 0 {
		cfg.QuorumTimeout = DefaultQuorumTimeout
	}
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	if cfg.PageSize <= 0 || cfg.PageSize > MaxPageSize {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Node{eng: eng, st: st, cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Registerer)}
	n.bg, n.stop = context.WithCancel(context.Background())
	client := newHTTPClient(cfg.ClientTLS)
	seen := map[string]bool{}
	for _, u := range cfg.Peers {
		p, err := newPeer(u, client, eng.NodeID(), cfg.APIKey)
		if err != nil {
			return nil, err
		}
		if seen[p.url] {
			return nil, memory.Errorf(memory.CodeInvalid, "peer %s listed twice", p.url)
		}
		seen[p.url] = true
		n.peers = append(n.peers, p)
	}
	n.quorum, n.ackWeight = n.awaitQuorum, 1
	n.plantQuorum(cfg.Faults)
	n.recv = newReceiver(eng, st, cfg.Faults, n.log)
	return n, nil
}

// Start runs one anti-entropy loop per peer until Close, unless the sync
// interval is negative or a fault switch turned sync off.
func (n *Node) Start() {
	if !n.syncEnabled() {
		n.log.Warn("anti-entropy sync is off", "faults", n.cfg.Faults.Active())
		return
	}
	for _, p := range n.peers {
		n.loops.Add(1)
		go func() {
			defer n.loops.Done()
			n.syncLoop(p)
		}()
	}
}

func (n *Node) syncEnabled() bool {
	return n.cfg.SyncInterval >= 0 && !n.syncOff
}

// Close waits up to ctx for pushes still owed to peers, then stops them and
// the sync loops. Pushes cut off here are repaired by the peers' own sync.
func (n *Node) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closing = true
	n.mu.Unlock()
	n.recv.close()
	drained := make(chan struct{})
	go func() {
		n.fanout.Wait()
		n.recv.wait()
		close(drained)
	}()
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = memory.Errorf(memory.CodeUnavailable, "fan-out still pending at shutdown; peers will pull it")
	}
	n.stop()
	n.loops.Wait()
	return err
}

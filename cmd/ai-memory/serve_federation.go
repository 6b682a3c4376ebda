package main

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/pflag"

	"github.com/aimemory/ai-memory/federation"
	"github.com/aimemory/ai-memory/httpapi"
)

// federationFlags are serve's federation flags. A node with peers replicates
// every write to them (W copies before a 201, this node's included) and
// pulls what it misses from each of them every sync interval.
type federationFlags struct {
	quorumWrites, quorumTimeoutMs, syncIntervalMs int
	peers                                         []string
	peerCA, peerCert, peerKey                     string
}

// fanoutDrain is how long a stopping node waits for pushes still owed to
// peers before leaving the rest to their sync.
const fanoutDrain = 5 * time.Second

func (f *federationFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.quorumWrites, "quorum-writes", 0, "copies a write needs before it is acknowledged, this node's included (0: a majority of the cluster)")
	fs.StringSliceVar(&f.peers, "quorum-peers", nil, "the other nodes' base URLs, comma separated (http(s)://host:port)")
	fs.IntVar(&f.quorumTimeoutMs, "quorum-timeout-ms", int(federation.DefaultQuorumTimeout/time.Millisecond), "wait this long for the write quorum, then answer 503 quorum_not_met (the local copy stays)")
	fs.IntVar(&f.syncIntervalMs, "sync-interval-ms", int(federation.DefaultSyncInterval/time.Millisecond), "pull missed writes from every peer this often (anti-entropy)")
	fs.StringVar(&f.peerCA, "peer-ca", "", "CA (PEM) of the cluster: peers must present a client certificate it signed (mTLS); needs --tls-cert/--tls-key")
	fs.StringVar(&f.peerCert, "peer-cert", "", "this node's client certificate (PEM) towards its peers")
	fs.StringVar(&f.peerKey, "peer-key", "", "key (PEM) of --peer-cert")
}

// serveFederation installs the fault switches, then, with peers, makes
// the node replicate every write and pull what it misses.
func serveFederation(ctx context.Context, sc *serveContext, f federationFlags, ff faultFlags) error {
	fs, err := installFaults(ctx, sc, ff)
	if err != nil {
		return err
	}
	var peers []string
	for _, p := range f.peers {
		if p = strings.TrimSpace(p); p != "" {
			peers = append(peers, p)
		}
	}
	if len(peers) == 0 {
		if f.quorumWrites > 1 || f.peerCA != "" {
			return invalidf("--quorum-writes and --peer-ca need --quorum-peers")
		}
		return nil
	}
	if f.quorumTimeoutMs <= 0 || f.syncIntervalMs <= 0 {
		return invalidf("--quorum-timeout-ms and --sync-interval-ms must be positive")
	}
	w := f.quorumWrites
	if w == 0 {
		w = (len(peers)+1)/2 + 1
	}
	clientTLS, peerCA, err := federation.PeerTLS{CAFile: f.peerCA, CertFile: f.peerCert, KeyFile: f.peerKey}.Load()
	if err != nil {
		return err
	}
	if peerCA != nil {
		if sc.TLS == nil {
			return invalidf("--peer-ca needs --tls-cert/--tls-key: peers authenticate each other over TLS")
		}
		sc.TLS = federation.ServerTLS(sc.TLS, peerCA)
	}
	if sc.HTTP.Registry == nil {
		sc.HTTP.Registry = prometheus.NewRegistry()
		sc.HTTP.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	node, err := federation.New(sc.Engine, sc.Store, federation.Config{
		Peers:           peers,
		W:               w,
		QuorumTimeout:   time.Duration(f.quorumTimeoutMs) * time.Millisecond,
		SyncInterval:    time.Duration(f.syncIntervalMs) * time.Millisecond,
		ClientTLS:       clientTLS,
		RequirePeerCert: peerCA != nil,
		APIKey:          sc.HTTP.APIKey,
		Faults:          fs,
		Registerer:      sc.HTTP.Registry,
		Logger:          sc.Logger.With("component", "federation"),
	})
	if err != nil {
		return err
	}
	sc.Engine.SetReplicator(node)
	sc.HTTP.FederationEnabled = true
	sc.Mount(func(srv *httpapi.Server) { mountFederation(srv, node) })
	node.Start()
	sc.OnStop(func() {
		ctx, cancel := context.WithTimeout(context.Background(), fanoutDrain)
		defer cancel()
		if err := node.Close(ctx); err != nil {
			sc.Logger.Warn("federation stopped with work left", "err", err)
		}
	})
	sc.Logger.Info("federation on", "peers", peers, "quorum_writes", w, "mtls", peerCA != nil)
	return nil
}

// mountFederation mounts the node's endpoints: peer routes behind the
// node's peer authentication (mTLS or the API key), the others behind the
// API key.
func mountFederation(srv *httpapi.Server, node *federation.Node) {
	peerAuth := node.PeerAuth(srv.RequireAPIKey)
	for _, rt := range node.Routes() {
		if rt.Peer {
			srv.HandleUnauthenticated(rt.Pattern, peerAuth(rt.Handler))
		} else {
			srv.Handle(rt.Pattern, rt.Handler)
		}
	}
}

package federation

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

// PeerTLS is the mutual-TLS material of a node: the CA that signs every
// node's certificates, and this node's certificate, used both as its
// client certificate towards peers and, when the API has no certificate of
// its own, as its server certificate.
type PeerTLS struct {
	CAFile, CertFile, KeyFile string
}

// Enabled reports whether a peer CA was given.
func (p PeerTLS) Enabled() bool { return p.CAFile != "" }

// Load reads the files. The CA pool verifies peers' server certificates
// (client side) and peers' client certificates (server side).
func (p PeerTLS) Load() (client *tls.Config, pool *x509.CertPool, err error) {
	if !p.Enabled() {
		if p.CertFile != "" || p.KeyFile != "" {
			return nil, nil, memory.Errorf(memory.CodeInvalid, "--peer-cert and --peer-key need --peer-ca")
		}
		return nil, nil, nil
	}
	if p.CertFile == "" || p.KeyFile == "" {
		return nil, nil, memory.Errorf(memory.CodeInvalid, "--peer-ca needs --peer-cert and --peer-key (this node's certificate towards its peers)")
	}
	pem, err := os.ReadFile(p.CAFile)
	if err != nil {
		return nil, nil, memory.Errorf(memory.CodeInvalid, "peer CA: %v", err)
	}
	pool = x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, memory.Errorf(memory.CodeInvalid, "peer CA %s holds no PEM certificate", p.CAFile)
	}
	cert, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
	if err != nil {
		return nil, nil, memory.Errorf(memory.CodeInvalid, "peer certificate: %v", err)
	}
	client = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return client, pool, nil
}

// ServerTLS makes the API's TLS configuration ask for client certificates
// signed by the peer CA. Certificates are verified when presented but not
// required at the handshake, so API clients without one still connect
// (and use the API key); the sync endpoints then refuse callers without a
// verified certificate. A certificate that does not verify fails the
// handshake outright.
func ServerTLS(base *tls.Config, peerCA *x509.CertPool) *tls.Config {
	cfg := base.Clone()
	cfg.ClientCAs = peerCA
	cfg.ClientAuth = tls.VerifyClientCertIfGiven
	return cfg
}

// requireClientCert admits only requests whose TLS client certificate
// verified against the peer CA.
func requireClientCert(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			httperror.Write(w, memory.Errorf(memory.CodeForbidden, "sync endpoints need a client certificate signed by the peer CA"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

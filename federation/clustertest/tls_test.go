package clustertest

import (
	"crypto/tls"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A 3-node cluster whose peer links are mutual TLS with throwaway
// certificates and whose clients need an API key.
func TestMutualTLSCluster(t *testing.T) {
	t.Parallel()
	ca := newCerts(t, "cluster CA")
	c := newCluster(t, options{certs: ca, apiKey: "test-key"})
	ids, other := c.burst(c.nodes[0], 4, 10, 0, nil)
	if other > 0 {
		t.Fatalf("%d writes failed over mTLS", other)
	}
	if miss := c.settle(converge, ids, c.nodes...); len(miss) > 0 {
		t.Fatalf("mTLS cluster did not converge: %s", summary(miss))
	}
	since := c.nodes[1].url + "/api/v1/sync/since?seq=0&limit=10"
	get := func(cl *http.Client, key string) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, since, nil)
		req.Header.Set("X-API-Key", key)
		resp, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil,
			TLSClientConfig: &tls.Config{RootCAs: ca.pool, Certificates: certs}}}
	}
	if st, err := get(client(), "test-key"); err != nil || st != http.StatusForbidden {
		t.Errorf("sync without a client certificate (API key given): %d %v, want 403", st, err)
	}
	// A certificate from another CA, forced onto the handshake (Go's client
	// would otherwise not offer a certificate the server's CA list rejects).
	rogue := newCerts(t, "rogue CA").clientCert(t, "rogue")
	forced := client()
	forced.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &rogue, nil
	}
	if st, err := get(forced, "test-key"); err == nil {
		t.Errorf("sync with a certificate from another CA answered %d; the handshake must fail", st)
	}
	if st, err := get(client(ca.clientCert(t, "extra")), ""); err != nil || st != http.StatusOK {
		t.Errorf("sync with a cluster certificate: %d %v, want 200", st, err)
	}
	if st, _, err := c.call(c.nodes[2], http.MethodGet, "/api/v1/sync/status", nil, nil); err != nil || st != http.StatusOK {
		t.Errorf("status with the API key: %d %v", st, err)
	}
	c.apiKey = ""
	if st, _, err := c.write(c.nodes[0], "no key"); err != nil || st != http.StatusUnauthorized {
		t.Errorf("write without the API key: %d %v, want 401", st, err)
	}
}

// Flags that would weaken or misconfigure a node are refused at start.
func TestServeRefusesUnsafeFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--quorum-peers", "http://127.0.0.1:1", "--fault", "list-cap-20"}, "--unsafe-fault-injection"},
		{[]string{"--quorum-peers", "http://127.0.0.1:1", "--unsafe-fault-injection", "--fault", "no-such"}, "unknown fault"},
		{[]string{"--quorum-peers", "http://127.0.0.1:1", "--peer-ca", "/nonexistent"}, "--peer-ca needs --peer-cert"},
		{[]string{"--quorum-peers", "http://127.0.0.1:1", "--quorum-writes", "3"}, "impossible"},
		{[]string{"--quorum-writes", "2"}, "need --quorum-peers"},
	}
	for _, tc := range cases {
		args := append([]string{"--db", t.TempDir() + "/x.db", "serve", "--port", "0"}, tc.args...)
		out, err := exec.Command(binary, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("serve %v: %v, output %q; want exit 2 mentioning %q", tc.args, err, out, tc.want)
		}
	}
}

// clock-skew is a fault the cluster must tolerate: the skewed node's
// clock is really off (its created_at is ten minutes ahead), every write
// still converges, and an update made after seeing the skewed node's
// write wins over it, because hybrid logical clocks order it after.
func TestClockSkewTolerated(t *testing.T) {
	t.Parallel()
	c := newCluster(t, options{faults: map[int][]string{2: {"clock-skew=10m"}}})
	a, cc := c.nodes[0], c.nodes[2]
	var created struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	}
	body := map[string]any{"title": "skewed", "content": "from c", "namespace": c.ns}
	if st, _, err := c.call(cc, http.MethodPost, "/api/v1/memories", body, &created); err != nil || st != http.StatusCreated {
		t.Fatalf("write on skewed node: %d %v", st, err)
	}
	if ahead := time.Until(created.CreatedAt); ahead < 9*time.Minute {
		t.Fatalf("created_at on the skewed node is %s ahead; the switch is not in effect", ahead)
	}
	var ids []string
	for _, n := range c.nodes {
		more, other := c.burst(n, 2, 10, 0, nil)
		if other > 0 {
			t.Fatalf("%d writes failed on node %s", other, n.name)
		}
		ids = append(ids, more...)
	}
	ids = append(ids, created.ID)
	if miss := c.settle(converge, ids, c.nodes...); len(miss) > 0 {
		t.Fatalf("with a skewed clock: %s", summary(miss))
	}
	if st, _, err := c.call(a, http.MethodPut, "/api/v1/memories/"+created.ID, map[string]any{"content": "later from a"}, nil); err != nil || st != http.StatusOK {
		t.Fatalf("update on a: %d %v", st, err)
	}
	deadline := time.Now().Add(converge)
	for {
		msg := ""
		for _, n := range c.nodes {
			all, err := c.memories(n)
			if err != nil {
				t.Fatal(err)
			}
			if got := all[created.ID].Content; got != "later from a" {
				msg = "node " + n.name + " keeps " + got
			}
		}
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the later update lost to the skewed write: %s", msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

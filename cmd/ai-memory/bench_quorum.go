package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type quorumBenchReport struct {
	W2        latency  `json:"w2"`
	W1        latency  `json:"w1"`
	Overhead  float64  `json:"w2_minus_w1_p95_ms"`
	Ops       int      `json:"ops"`
	DBs       []string `json:"dbs"`
	Targets   []target `json:"targets"`
	NodeNames []string `json:"nodes"`
}

// benchQuorum starts three serve children federated on loopback: node a
// needs W=2 copies per write, node b W=1 (its own), node c W=2. It times
// --ops stores through a and through b, alternately, so both see the same
// machine and the same background fan-out.
func (b *bench) runQuorum(ctx context.Context, path string) error {
	names := []string{"a", "b", "c"}
	w := map[string]string{"a": "2", "b": "1", "c": "2"}
	ports := make([]string, len(names))
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return err
		}
		ports[i] = strconv.Itoa(p)
	}
	nodes := map[string]*child{}
	var dbs []string
	for i, name := range names {
		var peers []string
		for j, p := range ports {
			if j != i {
				peers = append(peers, "http://127.0.0.1:"+p)
			}
		}
		db := path + "-" + name
		dbs = append(dbs, db)
		srv, err := b.startServeChild(ctx, db, "--port", ports[i], "--node-id", "bench-"+name,
			"--quorum-peers", strings.Join(peers, ","), "--quorum-writes", w[name])
		if err != nil {
			return err
		}
		defer srv.stop()
		nodes[name] = srv
	}
	c := newCorpus(b.vocab)
	post := func(srv *child, i int) (time.Duration, error) {
		m := c.memory(i)
		body, _ := json.Marshal(map[string]any{"title": m.Title, "content": m.Content, "namespace": m.Namespace})
		t0 := time.Now()
		resp, err := http.Post(srv.url+"/api/v1/memories", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return 0, fmt.Errorf("store via %s: %s", srv.url, resp.Status)
		}
		return time.Since(t0), nil
	}
	for i := range 50 { // warm connections and caches
		if _, err := post(nodes[names[i%2]], -1-i); err != nil {
			return err
		}
	}
	var w2, w1 []time.Duration
	for i := range 2 * b.ops {
		srv, dst := nodes["a"], &w2
		if i%2 == 1 {
			srv, dst = nodes["b"], &w1
		}
		d, err := post(srv, i)
		if err != nil {
			return err
		}
		*dst = append(*dst, d)
	}
	rep := quorumBenchReport{W2: summarize(w2), W1: summarize(w1), Ops: b.ops, DBs: dbs, NodeNames: names}
	rep.Overhead = rep.W2.P95 - rep.W1.P95
	rep.Targets = []target{check("quorum_w2_p95_ms", rep.W2.P95, 2, false), check("quorum_overhead_p95_ms", rep.Overhead, 0.3, false)}
	return b.a.print(rep, func(out io.Writer) {
		fmt.Fprintf(out, "3 nodes on loopback, %d stores each way\n", b.ops)
		fmt.Fprintf(out, "W=2/N=3 p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms\n", rep.W2.P50, rep.W2.P95, rep.W2.P99)
		fmt.Fprintf(out, "W=1/N=3 p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms\n", rep.W1.P50, rep.W1.P95, rep.W1.P99)
		fmt.Fprintf(out, "quorum overhead (p95 W=2 - W=1) %.3f ms\n", rep.Overhead)
		printTargets(out, rep.Targets)
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type httpBenchReport struct {
	Clients      int      `json:"clients"`
	DurationSecs float64  `json:"duration_secs"`
	Writes       int64    `json:"writes"`
	Errors       int64    `json:"errors"`
	WritesPerSec float64  `json:"writes_per_sec"`
	Latency      latency  `json:"latency"`
	ServeRSSMiB  float64  `json:"serve_peak_rss_mib"`
	DB           string   `json:"db"`
	Synchronous  string   `json:"synchronous"`
	Targets      []target `json:"targets"`
}

// benchHTTP runs --http-clients concurrent POST /api/v1/memories clients
// for --duration against a serve child on a loopback port (serve is always
// synchronous=FULL).
func (b *bench) runHTTP(ctx context.Context, path string) error {
	srv, err := b.startServeChild(ctx, path)
	if err != nil {
		return err
	}
	defer srv.stop()
	url := srv.url + "/api/v1/memories"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.clients, MaxConnsPerHost: b.clients}}
	// Bodies are generated up front so the clients measure the server.
	c := newCorpus(b.vocab)
	bodies := make([][]byte, 4096)
	for i := range bodies {
		m := c.memory(i)
		bodies[i], _ = json.Marshal(map[string]any{"title": m.Title, "content": m.Content, "namespace": m.Namespace, "tags": m.Tags})
	}
	var writes, errs, seq atomic.Int64
	lat := make([][]time.Duration, b.clients)
	deadline := time.Now().Add(b.duration)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range b.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := seq.Add(1)
				// A unique title per request: every POST creates a row.
				body := bytes.Replace(bodies[i%int64(len(bodies))], []byte(`"title":"bench `), fmt.Appendf(nil, `"title":"bench h%d `, i), 1)
				t0 := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					errs.Add(1)
					continue
				}
				lat[k] = append(lat[k], time.Since(t0))
				writes.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	rep := httpBenchReport{Clients: b.clients, DurationSecs: elapsed.Seconds(), Writes: writes.Load(), Errors: errs.Load(),
		WritesPerSec: float64(writes.Load()) / elapsed.Seconds(), Latency: summarize(all), DB: path, Synchronous: "FULL"}
	if rep.ServeRSSMiB, err = srv.peakRSSMiB(); err != nil {
		return err
	}
	rep.Targets = []target{check("http_writes_per_sec", rep.WritesPerSec, 10000, true)}
	return b.a.print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "%d clients, %.1fs: %d writes (%d errors) = %.0f writes/s; latency p50 %.3f ms p95 %.3f ms p99 %.3f ms; serve peak RSS %.1f MiB\n",
			rep.Clients, rep.DurationSecs, rep.Writes, rep.Errors, rep.WritesPerSec, rep.Latency.P50, rep.Latency.P95, rep.Latency.P99, rep.ServeRSSMiB)
		printTargets(w, rep.Targets)
	})
}

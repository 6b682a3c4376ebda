package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/httpapi"
	"github.com/aimemory/ai-memory/sqlite"
	"github.com/aimemory/ai-memory/storeurl"
)

var benchFlags struct {
	n, ops, clients, vocab int
	duration               time.Duration
	synchronous            string
	keep                   bool
}

var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Latency of store/get/search/recall at --n memories, against a bare SQLite insert baseline",
	Long: `bench seeds --n memories (StoreMany batches of 1000) into a file-backed
database (a fresh temporary file unless --db is given), then times --ops
sequential calls of each operation through the engine and reports p50, p95
and p99 in milliseconds:

  store   a new memory (unique title, 24 words of content)
  get     a random seeded memory with its links
  search  two random vocabulary words, AND, default limit
  recall  three random vocabulary words, OR, limit 10 (records the access)

The baseline is a bare single-row INSERT+COMMIT loop on its own file with
the same WAL and synchronous settings; store_p95_over_baseline_p95 is the
price of the engine and store on top of SQLite itself.

--http-clients N instead measures HTTP writes: an in-process server on a
loopback port, N concurrent clients POSTing /api/v1/memories for
--duration, reporting writes/s and latency.`,
	Args: cobra.NoArgs,
	RunE: runBench,
}

func init() {
	fs := benchCmd.Flags()
	fs.IntVar(&benchFlags.n, "n", 100000, "memories to seed before timing")
	fs.IntVar(&benchFlags.ops, "ops", 2000, "timed calls per operation")
	fs.IntVar(&benchFlags.vocab, "vocab", 5000, "distinct words in generated content")
	fs.IntVar(&benchFlags.clients, "http-clients", 0, "measure HTTP writes/s with this many concurrent clients instead")
	fs.DurationVar(&benchFlags.duration, "duration", 10*time.Second, "length of the HTTP write run")
	fs.StringVar(&benchFlags.synchronous, "synchronous", "FULL", "SQLite synchronous mode for store and baseline: FULL or NORMAL")
	fs.BoolVar(&benchFlags.keep, "keep", false, "keep the temporary database")
	rootCmd.AddCommand(benchCmd)
}

// latency summarises timed calls in milliseconds.
type latency struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
	Max  float64 `json:"max_ms"`
	N    int     `json:"n"`
}

func summarize(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	pct := func(p float64) float64 { return ms(s[min(len(s)-1, int(p*float64(len(s))))]) }
	var sum time.Duration
	for _, x := range s {
		sum += x
	}
	return latency{P50: pct(.50), P95: pct(.95), P99: pct(.99), Mean: ms(sum / time.Duration(len(s))), Max: ms(s[len(s)-1]), N: len(s)}
}

// corpus generates deterministic pseudo-words and content.
type corpus struct {
	words []string
	rng   *rand.Rand
}

func newCorpus(size int) *corpus {
	c := &corpus{rng: rand.New(rand.NewPCG(42, 7))}
	syl := []string{"ka", "lo", "mi", "ren", "to", "sha", "vu", "qe", "dor", "bin", "xel", "pa", "tur", "no", "gri", "fe"}
	seen := map[string]bool{}
	for len(c.words) < size {
		var b strings.Builder
		for range 2 + c.rng.IntN(3) {
			b.WriteString(syl[c.rng.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			c.words = append(c.words, w)
		}
	}
	return c
}

func (c *corpus) phrase(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = c.words[c.rng.IntN(len(c.words))]
	}
	return strings.Join(ws, " ")
}

func (c *corpus) memory(i int) engine.NewMemory {
	return engine.NewMemory{Title: fmt.Sprintf("bench %d %s", i, c.phrase(3)), Content: c.phrase(24),
		Namespace: fmt.Sprintf("bench/ns%d", i%20), Tags: []string{"bench"}, Source: "bench"}
}

type benchReport struct {
	N                 int      `json:"n"`
	Ops               int      `json:"ops"`
	DB                string   `json:"db"`
	Synchronous       string   `json:"synchronous"`
	SeedSecs          float64  `json:"seed_secs"`
	Store             latency  `json:"store"`
	Get               latency  `json:"get"`
	Search            latency  `json:"search"`
	Recall            latency  `json:"recall"`
	Baseline          latency  `json:"baseline_insert"`
	StoreOverBaseline float64  `json:"store_p95_over_baseline_p95"`
	Targets           []target `json:"targets"`
}

// target is one of the release budgets (issue 2) checked by the run.
type target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	Met   bool    `json:"met"`
}

func check(name string, v, limit float64, higherIsBetter bool) target {
	met := v <= limit
	if higherIsBetter {
		met = v >= limit
	}
	return target{Name: name, Value: v, Limit: limit, Met: met}
}

// benchDB is --db when given on the command line, else a fresh temporary
// file: a default from AI_MEMORY_DB is ignored so a benchmark never fills
// someone's real store with generated memories.
func benchDB(cmd *cobra.Command) (path string, cleanup func(), err error) {
	if f := cmd.Flag("db"); f != nil && f.Changed {
		path, err := storeurl.SQLitePath(globals.DB)
		return path, func() {}, err
	}
	dir, err := os.MkdirTemp("", "ai-memory-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "bench.db"), func() {
		if !benchFlags.keep {
			os.RemoveAll(dir)
		}
	}, nil
}

func runBench(cmd *cobra.Command, _ []string) error {
	f := &benchFlags
	if f.n < 0 || f.ops <= 0 || f.vocab < 10 || f.clients < 0 {
		return invalidf("--n >= 0, --ops > 0, --vocab >= 10 and --http-clients >= 0 required")
	}
	path, cleanup, err := benchDB(cmd)
	if err != nil {
		return err
	}
	defer cleanup()
	st, err := sqlite.Open(path, sqlite.Options{Synchronous: f.synchronous})
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := cmd.Context()
	eng := engine.New(st, engine.Options{NodeID: "bench", PromoteAfter: engine.DefaultPromoteAfter})
	c := newCorpus(f.vocab)
	if f.clients > 0 {
		return benchHTTP(cmd, eng, c, path)
	}

	rep := benchReport{N: f.n, Ops: f.ops, DB: path, Synchronous: strings.ToUpper(f.synchronous)}
	start := time.Now()
	var ids []string
	for i := 0; i < f.n; i += 1000 {
		batch := make([]engine.NewMemory, 0, 1000)
		for j := i; j < min(i+1000, f.n); j++ {
			batch = append(batch, c.memory(j))
		}
		res, err := eng.StoreMany(ctx, batch)
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		for _, r := range res {
			ids = append(ids, r.Memory.ID)
		}
	}
	rep.SeedSecs = time.Since(start).Seconds()

	timed := func(op func(i int) error) ([]time.Duration, error) {
		out := make([]time.Duration, 0, f.ops)
		for i := range f.ops {
			t0 := time.Now()
			if err := op(i); err != nil {
				return nil, err
			}
			out = append(out, time.Since(t0))
		}
		return out, nil
	}
	storeD, err := timed(func(i int) error { _, err := eng.Store(ctx, c.memory(f.n+i)); return err })
	if err != nil {
		return err
	}
	getD, err := timed(func(int) error {
		if len(ids) == 0 {
			return nil
		}
		_, _, err := eng.Get(ctx, ids[c.rng.IntN(len(ids))])
		return err
	})
	if err != nil {
		return err
	}
	searchD, err := timed(func(int) error { _, err := eng.Search(ctx, c.phrase(2), memory.ListQuery{}); return err })
	if err != nil {
		return err
	}
	recallD, err := timed(func(int) error {
		_, err := eng.Recall(ctx, engine.RecallQuery{Context: c.phrase(3), Limit: 10})
		return err
	})
	if err != nil {
		return err
	}
	baseD, err := sqlite.BareInsertBaseline(path+".baseline", f.ops, f.synchronous)
	if err != nil {
		return err
	}
	rep.Store, rep.Get, rep.Search, rep.Recall, rep.Baseline = summarize(storeD), summarize(getD), summarize(searchD), summarize(recallD), summarize(baseD)
	if rep.Baseline.P95 > 0 {
		rep.StoreOverBaseline = rep.Store.P95 / rep.Baseline.P95
	}
	rep.Targets = []target{
		check("store_p95_ms", rep.Store.P95, 0.5, false),
		check("store_p95_over_baseline_p95", rep.StoreOverBaseline, 1.5, false),
		check("search_p95_ms", rep.Search.P95, 2, false),
		check("recall_p95_ms", rep.Recall.P95, 5, false),
	}
	return printResult(cmd, rep, func(w io.Writer) {
		fmt.Fprintf(w, "%d memories seeded in %.1fs into %s (synchronous=%s)\n", rep.N, rep.SeedSecs, rep.DB, rep.Synchronous)
		for _, row := range []struct {
			name string
			l    latency
		}{{"store", rep.Store}, {"get", rep.Get}, {"search", rep.Search}, {"recall", rep.Recall}, {"baseline", rep.Baseline}} {
			fmt.Fprintf(w, "%-9s p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms\n", row.name, row.l.P50, row.l.P95, row.l.P99)
		}
		fmt.Fprintf(w, "store p95 / baseline p95 = %.2f\n", rep.StoreOverBaseline)
		printTargets(w, rep.Targets)
	})
}

func printTargets(w io.Writer, ts []target) {
	for _, t := range ts {
		verdict := "met"
		if !t.Met {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "target %-28s %9.3f (limit %g) %s\n", t.Name, t.Value, t.Limit, verdict)
	}
}

type httpBenchReport struct {
	Clients      int      `json:"clients"`
	DurationSecs float64  `json:"duration_secs"`
	Writes       int64    `json:"writes"`
	Errors       int64    `json:"errors"`
	WritesPerSec float64  `json:"writes_per_sec"`
	Latency      latency  `json:"latency"`
	DB           string   `json:"db"`
	Synchronous  string   `json:"synchronous"`
	Targets      []target `json:"targets"`
}

// benchHTTP runs concurrent POST /api/v1/memories clients against an
// in-process server on a loopback port for --duration.
func benchHTTP(cmd *cobra.Command, eng *engine.Engine, c *corpus, path string) error {
	f := &benchFlags
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := httpapi.New(httpapi.Options{Engine: eng, Version: version})
	ctx, cancel := context.WithCancel(cmd.Context())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, nil, 10*time.Second) }()
	defer func() { cancel(); <-served }()

	url := "http://" + ln.Addr().String() + "/api/v1/memories"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: f.clients, MaxConnsPerHost: f.clients}}
	// Bodies are generated up front so the clients measure the server.
	bodies := make([][]byte, 4096)
	for i := range bodies {
		m := c.memory(i)
		bodies[i], _ = json.Marshal(map[string]any{"title": m.Title, "content": m.Content, "namespace": m.Namespace, "tags": m.Tags})
	}
	var writes, errs atomic.Int64
	var seq atomic.Int64
	lat := make([][]time.Duration, f.clients)
	deadline := time.Now().Add(f.duration)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range f.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
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
	rep := httpBenchReport{Clients: f.clients, DurationSecs: elapsed.Seconds(), Writes: writes.Load(), Errors: errs.Load(),
		WritesPerSec: float64(writes.Load()) / elapsed.Seconds(), Latency: summarize(all), DB: path, Synchronous: strings.ToUpper(f.synchronous)}
	rep.Targets = []target{check("http_writes_per_sec", rep.WritesPerSec, 10000, true)}
	return printResult(cmd, rep, func(w io.Writer) {
		fmt.Fprintf(w, "%d clients, %.1fs: %d writes (%d errors) = %.0f writes/s; latency p50 %.3f ms p95 %.3f ms p99 %.3f ms\n",
			rep.Clients, rep.DurationSecs, rep.Writes, rep.Errors, rep.WritesPerSec, rep.Latency.P50, rep.Latency.P95, rep.Latency.P99)
		printTargets(w, rep.Targets)
	})
}

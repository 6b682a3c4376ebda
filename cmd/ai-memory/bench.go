package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/storeurl"
)

// bench is one run of the bench command: its flags, and the app it
// prints with. Its modes are methods, one file each.
type bench struct {
	a                      *app
	n, ops, clients, vocab int
	duration               time.Duration
	synchronous            string
	keep                   bool
	scale                  []int
	profile                string
	mcp, quorum, migrate   bool
}

func newBenchCmd(a *app) *cobra.Command {
	b := &bench{a: a}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Latency of every operation at one or several store sizes, against bare SQLite; HTTP, MCP, quorum and migrate throughput",
		Long: `bench seeds memories (StoreMany, batches of 1000) into a file-backed
database (a fresh temporary file unless --db is given), then times --ops
sequential calls of each operation through the engine and reports p50, p95
and p99 in milliseconds, beside the plain SQLite query closest to it, timed
in the same run on the same file:

  store             a new memory (unique title, 24 words)    bare: INSERT+COMMIT, same durability
  get               a random memory with its links           bare: SELECT by id
  search            two random words, AND, default limit     bare: FTS5 MATCH ORDER BY rank
  search_common     one word held by 1 memory in 8, limit 10 bare: the same in FTS5
  search_common_ns  the same within one of 20 namespaces     bare: FTS5 joined on namespace
  recall            three random words, OR, limit 10         bare: FTS5 OR ORDER BY rank
  list              100 memories of a namespace              bare: SELECT ... ORDER BY id

--scale 10000,100000,1000000 grows one database through the sizes and
prints one table, with the file's bytes per memory and the peak RSS of an
'ai-memory serve' on it after --ops recalls and searches over HTTP.
Without --scale the single size is --n. --profile DIR writes a CPU
profile per operation and size.

Other modes (one figure each, instead of the table):
  --http-clients N   N clients POST /api/v1/memories to a serve child for --duration
  --quorum           3 serve children on loopback; stores through a W=2 and a W=1 node, alternately
  --mcp              memory_search of the common word over 'ai-memory mcp' stdio at --n
  --migrate          migrate SQLite→PostgreSQL→SQLite at --n (a throwaway PostgreSQL)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flag("db")
			return b.run(cmd.Context(), f != nil && f.Changed)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&b.n, "n", 100000, "memories to seed before timing")
	fs.IntVar(&b.ops, "ops", 2000, "timed calls per operation")
	fs.IntVar(&b.vocab, "vocab", 5000, "distinct words in generated content")
	fs.IntVar(&b.clients, "http-clients", 0, "measure HTTP writes/s with this many concurrent clients instead")
	fs.DurationVar(&b.duration, "duration", 10*time.Second, "length of the HTTP write run")
	fs.StringVar(&b.synchronous, "synchronous", "FULL", "SQLite synchronous mode for store and baseline: FULL or NORMAL")
	fs.BoolVar(&b.keep, "keep", false, "keep the temporary database")
	fs.IntSliceVar(&b.scale, "scale", nil, "grow one database through these sizes (e.g. 10000,100000,1000000) and print one row per operation and size")
	fs.StringVar(&b.profile, "profile", "", "write a CPU profile of each timed operation into this directory (SIZE-OP.pprof)")
	fs.BoolVar(&b.mcp, "mcp", false, "measure memory_search of one common word (with and without a namespace) through an `ai-memory mcp` child over stdio instead")
	fs.BoolVar(&b.quorum, "quorum", false, "measure quorum writes on a 3-node loopback cluster (W=2 and W=1 coordinators side by side) instead")
	fs.BoolVar(&b.migrate, "migrate", false, "measure migrate SQLite→PostgreSQL→SQLite rows/s at --n (a throwaway PostgreSQL) instead")
	return cmd
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

// commonWord is in one memory of commonEvery, so searching it matches a
// fixed share of the store at every size (the "one common word" query).
const (
	commonWord  = "common"
	commonEvery = 8
)

func (c *corpus) memory(i int) engine.NewMemory {
	content := c.phrase(24)
	if i%commonEvery == 0 {
		content = commonWord + " " + c.phrase(23)
	}
	return engine.NewMemory{Title: fmt.Sprintf("bench %d %s", i, c.phrase(3)), Content: content,
		Namespace: benchNamespace(i), Tags: []string{"bench"}, Source: "bench"}
}

func benchNamespace(i int) string { return fmt.Sprintf("bench/ns%d", i%20) }

// target is one of the budgets of issue 12 checked by a run.
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

// db is --db when given on the command line (dbGiven), else a fresh
// temporary file: a default from AI_MEMORY_DB is ignored so a benchmark
// never fills someone's real store with generated memories.
func (b *bench) db(dbGiven bool) (path string, cleanup func(), err error) {
	if dbGiven {
		path, err := storeurl.SQLitePath(b.a.global.DB)
		return path, func() {}, err
	}
	dir, err := os.MkdirTemp("", "ai-memory-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "bench.db"), func() {
		if !b.keep {
			os.RemoveAll(dir)
		}
	}, nil
}

func (b *bench) run(ctx context.Context, dbGiven bool) error {
	if b.n < 0 || b.ops <= 0 || b.vocab < 10 || b.clients < 0 {
		return invalidf("--n >= 0, --ops > 0, --vocab >= 10 and --http-clients >= 0 required")
	}
	path, cleanup, err := b.db(dbGiven)
	if err != nil {
		return err
	}
	defer cleanup()
	switch {
	case b.clients > 0:
		return b.runHTTP(ctx, path)
	case b.quorum:
		return b.runQuorum(ctx, path)
	case b.mcp:
		return b.runMCP(ctx, path)
	case b.migrate:
		return b.runMigrate(ctx, path)
	}
	return b.runScale(ctx, path)
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

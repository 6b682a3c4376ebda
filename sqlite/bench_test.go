package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// The benchmarks run against a 100k-row file built once per process from a
// deterministic, Zipf-distributed corpus, so common words match many rows
// and rare ones few, as in real notes.
const benchRows = 100_000

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
	benchDir  string // removed by TestMain
)

type corpus struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

// newCorpus draws memories and queries with seed over one fixed vocabulary,
// so queries find the words the benchmark database holds.
func newCorpus(seed uint64) *corpus {
	vrng := rand.New(rand.NewPCG(1, 7))
	syll := strings.Fields("ka lo mi ne ru sa to vi be da fo gu hi ja ze pu")
	vocab := make([]string, 5000)
	for i := range vocab {
		var b strings.Builder
		for n := 2 + i%3; n > 0; n-- {
			b.WriteString(syll[vrng.IntN(len(syll))])
		}
		vocab[i] = fmt.Sprintf("%s%d", b.String(), i)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	return &corpus{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1)), vocab: vocab}
}

func (c *corpus) words(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = c.vocab[c.zipf.Uint64()]
	}
	return strings.Join(out, " ")
}

func (c *corpus) memory(now time.Time) memory.Memory {
	tags := make([]string, c.rng.IntN(4))
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", c.rng.IntN(40))
	}
	return memory.Memory{
		ID: memory.NewID(now), Tier: []memory.Tier{memory.TierShort, memory.TierMid, memory.TierLong}[c.rng.IntN(3)],
		Namespace: fmt.Sprintf("project-%d", c.rng.IntN(20)), Title: c.words(3 + c.rng.IntN(5)),
		Content: c.words(20 + c.rng.IntN(80)), Tags: tags, Priority: 1 + c.rng.IntN(10), Confidence: 1,
		Source: "bench", Metadata: map[string]any{"n": c.rng.IntN(1000)}, CreatedAt: now, UpdatedAt: now,
		State: memory.StateActive, Origin: "bench", Version: memory.MakeHLC(now.UnixMilli(), 0),
	}
}

// benchDB returns the path of the shared 100k-row database. Building it
// takes a while on a small machine; with AIMEMORY_BENCH_DB=path a copy is
// kept there and reused by later runs (the runs work on a fresh copy).
func benchDB(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "aimemory-sqlite-bench-")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "bench.db")
		keep := os.Getenv("AIMEMORY_BENCH_DB")
		if keep != "" {
			if data, err := os.ReadFile(keep); err == nil {
				benchErr = os.WriteFile(benchPath, data, 0o600)
				return
			}
			defer func() {
				if benchErr == nil {
					benchErr = copyFile(benchPath, keep)
				}
			}()
		}
		s, err := Open(benchPath, Options{Synchronous: "NORMAL"})
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		c := newCorpus(1)
		now := time.Now().UTC().Truncate(time.Millisecond)
		for done := 0; done < benchRows && benchErr == nil; done += 1000 {
			batch := memory.Batch{Memories: make([]memory.Memory, 1000)}
			for i := range batch.Memories {
				batch.Memories[i] = c.memory(now)
			}
			_, benchErr = s.Apply(context.Background(), &batch)
		}
		// A server merges its index in idle time; a benchmark run has none.
		if benchErr == nil {
			benchErr = s.Optimize(context.Background())
		}
		if benchErr == nil {
			benchErr = s.Checkpoint(context.Background())
		}
		if err := s.Close(); benchErr == nil {
			benchErr = err
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o600)
}

func removeBenchDir() {
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// cpuTime is the CPU time this process has used. On a shared machine, CPU
// per operation is the figure that does not depend on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64((cpuTime()-since).Microseconds())/float64(b.N), "cpu-µs/op")
}

func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(p float64) float64 { return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.95), "p95-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkApply measures one single-memory Apply at a time on the 100k
// file, and the bare INSERT+COMMIT floor with the same pragmas.
func BenchmarkApply(b *testing.B) {
	path := benchDB(b)
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run("store-"+mode, func(b *testing.B) {
			s, err := Open(path, Options{Synchronous: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			c := newCorpus(uint64(time.Now().UnixNano()))
			now := time.Now().UTC()
			mems := make([]memory.Memory, b.N)
			for i := range mems {
				mems[i] = c.memory(now)
			}
			d := make([]time.Duration, 0, b.N)
			ctx := context.Background()
			cpu := cpuTime()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := s.Apply(ctx, &memory.Batch{Memories: mems[i : i+1]}); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			b.StopTimer()
			reportCPU(b, cpu)
			reportLatency(b, d)
		})
		b.Run("baseline-"+mode, func(b *testing.B) {
			cpu := cpuTime()
			d, err := BareInsertBaseline(filepath.Join(b.TempDir(), "bare.db"), b.N, mode)
			if err != nil {
				b.Fatal(err)
			}
			reportCPU(b, cpu)
			reportLatency(b, d)
		})
	}
}

// BenchmarkApplyParallel has 16 goroutines applying single memories at
// once; group commit turns them into few transactions.
func BenchmarkApplyParallel(b *testing.B) {
	path := benchDB(b)
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run(mode, func(b *testing.B) {
			s, err := Open(path, Options{Synchronous: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const workers = 16
			var next atomic.Int64
			start, before, cpu := time.Now(), s.WriteStats(), cpuTime()
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := newCorpus(uint64(w) + uint64(start.UnixNano()))
					for next.Add(1) <= int64(b.N) {
						m := c.memory(time.Now().UTC())
						if _, err := s.Apply(context.Background(), &memory.Batch{Memories: []memory.Memory{m}}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			after := s.WriteStats()
			reportCPU(b, cpu)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
			if commits := after.Commits - before.Commits; commits > 0 {
				b.ReportMetric(float64(after.Writes-before.Writes)/float64(commits), "writes/commit")
			}
		})
	}
}

// BenchmarkSearch runs queries of 1-3 words (AND for search, OR for
// recall) with the unexpired filter, limit 20. "zipf" draws words as the
// corpus uses them, so most queries hold a word found in a large share of
// the rows; "specific" draws them uniformly from the vocabulary, like a
// query naming a topic.
func BenchmarkSearch(b *testing.B) {
	path := benchDB(b)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, mix := range []string{"zipf", "specific"} {
		for _, all := range []bool{true, false} {
			name := mix + "-" + map[bool]string{true: "AND", false: "OR"}[all]
			b.Run(name, func(b *testing.B) {
				c := newCorpus(99)
				queries := make([]memory.SearchQuery, b.N)
				for i := range queries {
					text := c.words(1 + i%3)
					if mix == "specific" {
						words := make([]string, 1+i%3)
						for j := range words {
							words[j] = c.vocab[c.rng.IntN(len(c.vocab))]
						}
						text = strings.Join(words, " ")
					}
					queries[i] = memory.SearchQuery{Terms: memory.Terms(text), MatchAll: all,
						ListQuery: memory.ListQuery{Now: time.Now(), Limit: 20}}
				}
				d := make([]time.Duration, 0, b.N)
				ctx := context.Background()
				cpu := cpuTime()
				b.ResetTimer()
				for i := range b.N {
					start := time.Now()
					if _, err := s.Search(ctx, queries[i]); err != nil {
						b.Fatal(err)
					}
					d = append(d, time.Since(start))
				}
				b.StopTimer()
				reportCPU(b, cpu)
				reportLatency(b, d)
			})
		}
	}
}

// BenchmarkGetMemory reads single memories by id from the 100k file.
func BenchmarkGetMemory(b *testing.B) {
	path := benchDB(b)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	page, _, err := s.ListMemories(ctx, memory.ListQuery{Limit: MaxLimit})
	if err != nil || len(page) == 0 {
		b.Fatal(err)
	}
	cpu := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.GetMemory(ctx, page[i%len(page)].ID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
}

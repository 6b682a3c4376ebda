package clustertest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// BenchmarkQuorumWrite measures one client's POST /api/v1/memories
// round trip on node a of N=3 on loopback and reports p50, p95 and p99 in
// milliseconds. W=2 is the quorum path: local commit, pushes to both
// peers, answer at the first durable peer ack. W=1 answers after the
// local commit (pushes continue behind it) and is the baseline the quorum
// path adds to on the same machine at the same time.
func BenchmarkQuorumWrite(b *testing.B) {
	for _, w := range []int{2, 1} {
		b.Run(fmt.Sprintf("W=%d", w), func(b *testing.B) {
			c := newCluster(b, options{w: w, syncMs: 1000}) // the serve default
			a := c.nodes[0]
			for i := range 50 { // warm connections and caches
				c.write(a, fmt.Sprintf("warm-%d", i))
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				st, _, err := c.write(a, fmt.Sprintf("bench-%d", i))
				lat = append(lat, time.Since(start))
				if err != nil || st != http.StatusCreated {
					b.Fatalf("write %d: %d %v", i, st, err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.95), "p95-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

// BenchmarkCatchUp measures how long a node that missed catchUpRows
// memories takes, once started, to hold them all through anti-entropy
// alone (nothing is pushed to it). CATCHUP_ROWS overrides the row count. Nodes a and b start with the rows
// already in their files (written through the store, which is far faster
// than 100 bulk requests on this machine); c starts empty.
func BenchmarkCatchUp(b *testing.B) {
	catchUpRows := 100_000
	if v, err := strconv.Atoi(os.Getenv("CATCHUP_ROWS")); err == nil && v > 0 {
		catchUpRows = v // a quicker run for experiments
	}
	for range b.N {
		b.StopTimer()
		seedStart := time.Now()
		var seeded string
		c := newCluster(b, options{held: map[int]bool{2: true}, seed: func(tb testing.TB, i int, db string) {
			switch i {
			case 0:
				seedRows(tb, db, catchUpRows)
				seeded = db
			case 1:
				copyFile(tb, seeded, db)
			}
		}})
		b.Logf("seeded %d memories on a and b in %s", catchUpRows, time.Since(seedStart).Round(time.Millisecond))
		late := c.nodes[2]
		b.StartTimer()
		start := time.Now()
		c.start(late)
		for {
			var st struct {
				Total int `json:"total"`
			}
			if code, _, err := c.call(late, http.MethodGet, "/api/v1/stats", nil, &st); err != nil || code != http.StatusOK {
				b.Fatalf("stats: %d %v", code, err)
			}
			if st.Total >= catchUpRows {
				break
			}
			if time.Since(start) > 20*time.Minute {
				b.Fatalf("after 20 min the new node holds %d of %d", st.Total, catchUpRows)
			}
			time.Sleep(100 * time.Millisecond)
		}
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "catchup-s")
		b.ReportMetric(float64(catchUpRows)/took.Seconds(), "rows/s")
		b.StopTimer()
		for _, n := range c.nodes {
			n.kill()
		}
		b.StartTimer()
	}
}

// seedRows writes n long-term memories into a fresh store file, as node
// "node-a" would have, in batches of 1000.
func seedRows(tb testing.TB, path string, n int) {
	st, err := sqlite.Open(path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	clock := memory.NewClock()
	for i := 0; i < n; i += 1000 {
		b := &memory.Batch{Op: "import"}
		for j := i; j < min(i+1000, n); j++ {
			now := clock.NowTime()
			b.Memories = append(b.Memories, memory.Memory{ID: memory.NewID(now), Tier: memory.TierLong, Namespace: "catchup",
				Title: fmt.Sprintf("row-%d", j), Content: "catch-up payload number " + fmt.Sprint(j), Tags: []string{"bench"},
				Priority: 5, Confidence: 1, Source: "api", Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now,
				State: memory.StateActive, Origin: "node-a", Version: clock.Tick()})
		}
		if _, err := st.Apply(context.Background(), b); err != nil {
			tb.Fatal(err)
		}
	}
}

func copyFile(tb testing.TB, from, to string) {
	raw, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
}

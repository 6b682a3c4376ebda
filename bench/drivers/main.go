// Command drivers runs the SQLite workload of ai-memory's store on one
// database/sql SQLite driver, chosen at build time, so drivers can be
// compared on the same statements:
//
//	go run . -n 100000                                  # modernc.org/sqlite (pure Go, the default)
//	go run -tags 'mattn sqlite_fts5' . -n 100000        # github.com/mattn/go-sqlite3 (cgo)
//	go run -tags ncruces . -n 100000                    # github.com/ncruces/go-sqlite3 (wasm2go)
//
// It is a module of its own, so the drivers it compares are no
// dependency of ai-memory. The statements mirror sqlite/ at schema 5: the
// memories table and its indexes, a contentless FTS5 index kept by one
// INSERT … SELECT per transaction, WAL and synchronous=FULL.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const schema = `
CREATE TABLE memories (
	id TEXT PRIMARY KEY, tier TEXT NOT NULL, namespace TEXT NOT NULL, title TEXT NOT NULL,
	content TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]', priority INTEGER NOT NULL,
	confidence REAL NOT NULL, source TEXT NOT NULL, agent_id TEXT NOT NULL DEFAULT '',
	metadata TEXT NOT NULL DEFAULT '{}', access_count INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_accessed_at INTEGER,
	expires_at INTEGER, state TEXT NOT NULL, archived_at INTEGER, origin TEXT NOT NULL,
	version INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE UNIQUE INDEX memories_seq ON memories (seq);
CREATE INDEX memories_namespace_id ON memories (namespace, id);
CREATE INDEX memories_namespace_title ON memories (namespace, title);
CREATE INDEX memories_state_namespace_tier ON memories (state, namespace, tier);
CREATE INDEX memories_expires_at ON memories (expires_at) WHERE expires_at IS NOT NULL;
CREATE VIRTUAL TABLE memories_fts USING fts5 (title, content, tags, ns, content = '',
	contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO memories_fts (memories_fts, rank) VALUES ('automerge', 8);
CREATE TABLE change_seq (id INTEGER PRIMARY KEY, last INTEGER NOT NULL, max_version INTEGER NOT NULL);
INSERT INTO change_seq VALUES (1, 0, 0);`

const (
	insertSQL = `INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence, source,
	metadata, created_at, updated_at, expires_at, state, origin, version, seq)
	VALUES (?, 'mid', ?, ?, ?, '["bench"]', 5, 1, 'bench', '{}', ?, ?, ?, 'active', 'bench', ?, ?)
	ON CONFLICT (id) DO UPDATE SET content = excluded.content, version = excluded.version, seq = excluded.seq
	WHERE excluded.version > memories.version RETURNING rowid`
	indexSQL = `INSERT INTO memories_fts (rowid, title, content, tags, ns)
	SELECT m.rowid, m.title, m.content, m.tags, 'ns' || hex(m.namespace)
	FROM json_each(?) AS j CROSS JOIN memories m ON m.rowid = j.value WHERE m.state = 'active'`
	getSQL    = `SELECT * FROM memories WHERE id = ?`
	searchSQL = `SELECT m.* FROM (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?
	ORDER BY bm25(memories_fts, 10.0, 1.0, 3.0) LIMIT ?) AS f CROSS JOIN memories m ON m.rowid = f.rowid`
)

func main() {
	n := flag.Int("n", 100000, "memories to seed")
	ops := flag.Int("ops", 2000, "timed calls per operation")
	dir := flag.String("dir", "", "directory for the database (default: a temporary one)")
	flag.Parse()
	if err := run(*n, *ops, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(n, ops int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "drivers-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	db, err := openDB(filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: the pragmas below hold for every statement
	for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA cache_size = -16000"} {
		if _, err := db.Exec(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	if _, err := db.Exec(schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	w := newWords()
	seq := 0
	write := func(rows int) error { // one transaction, as one Apply
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var rowids []string
		now := time.Now().UnixMilli()
		for range rows {
			seq++
			var rowid int64
			err := tx.QueryRow(insertSQL, fmt.Sprintf("m%09d", seq), fmt.Sprintf("bench/ns%d", seq%20),
				fmt.Sprintf("bench %d %s", seq, w.phrase(3)), w.phrase(24), now, now, now+7*86400000, seq, seq).Scan(&rowid)
			if err != nil {
				return err
			}
			rowids = append(rowids, fmt.Sprint(rowid))
		}
		if _, err := tx.Exec(indexSQL, "["+strings.Join(rowids, ",")+"]"); err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE change_seq SET last = ?, max_version = ? WHERE id = 1", seq, seq); err != nil {
			return err
		}
		return tx.Commit()
	}
	start, cpu0 := time.Now(), cpuTime()
	for done := 0; done < n; done += 1000 {
		if err := write(min(1000, n-done)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	fmt.Printf("%s: %d memories seeded in %.1fs (%.0f rows/s, %.1f CPU-µs a row)\n", driverPackage,
		n, time.Since(start).Seconds(), float64(n)/time.Since(start).Seconds(), float64((cpuTime()-cpu0).Microseconds())/float64(max(n, 1)))
	scan := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	quoted := func(k int, sep string) string {
		ws := strings.Fields(w.phrase(k))
		for i := range ws {
			ws[i] = `"` + ws[i] + `"`
		}
		return strings.Join(ws, sep)
	}
	fmt.Printf("%-8s %9s %9s %9s %12s\n", "op", "p50 ms", "p95 ms", "p99 ms", "CPU-µs/op")
	for _, o := range []struct {
		name string
		fn   func() error
	}{
		{"store", func() error { return write(1) }},
		{"get", func() error { return scan(db.Query(getSQL, fmt.Sprintf("m%09d", 1+rand.IntN(max(n, 1))))) }},
		{"search", func() error { return scan(db.Query(searchSQL, quoted(2, " AND "), 20)) }},
		{"recall", func() error { return scan(db.Query(searchSQL, quoted(3, " OR "), 50)) }},
	} {
		d := make([]time.Duration, 0, ops)
		cpu0 := cpuTime()
		for range ops {
			t0 := time.Now()
			if err := o.fn(); err != nil {
				return fmt.Errorf("%s: %w", o.name, err)
			}
			d = append(d, time.Since(t0))
		}
		cpu := float64((cpuTime() - cpu0).Microseconds()) / float64(ops)
		slices.Sort(d)
		pct := func(p float64) float64 {
			return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
		}
		fmt.Printf("%-8s %9.3f %9.3f %9.3f %12.1f\n", o.name, pct(.5), pct(.95), pct(.99), cpu)
	}
	return nil
}

// words draws the bench command's vocabulary: 5000 pseudo-words.
type words struct {
	list []string
	rng  *rand.Rand
}

func newWords() *words {
	w := &words{rng: rand.New(rand.NewPCG(42, 7))}
	syl := []string{"ka", "lo", "mi", "ren", "to", "sha", "vu", "qe", "dor", "bin", "xel", "pa", "tur", "no", "gri", "fe"}
	seen := map[string]bool{}
	for len(w.list) < 5000 {
		var b strings.Builder
		for range 2 + w.rng.IntN(3) {
			b.WriteString(syl[w.rng.IntN(len(syl))])
		}
		if s := b.String(); !seen[s] {
			seen[s] = true
			w.list = append(w.list, s)
		}
	}
	return w
}

func (w *words) phrase(k int) string {
	out := make([]string, k)
	for i := range out {
		out[i] = w.list[w.rng.IntN(len(w.list))]
	}
	return strings.Join(out, " ")
}

// cpuTime is the CPU this process has used: on a shared machine it is the
// figure that does not depend on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Package history records every client operation of a campaign as JSONL:
// an invoke line when a request starts and one completion line (ok, fail
// or unknown) when it ends, stamped with monotonic milliseconds since the
// campaign began, plus the faults the harness injected. Verdicts are
// computed from these files, not from counters kept on the side.
package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Operation kinds.
const (
	Invoke  = "invoke"
	OK      = "ok"
	Fail    = "fail"
	Unknown = "unknown"
	Fault   = "fault" // the harness injected or healed a fault (Note says which)
)

// What a client asked for (Op.Kind). An empty kind is a put: the phase 2
// and phase 3 bursts only put.
const (
	Put    = "put"    // POST /memories with a title: creates the key, or upserts it
	Update = "update" // PUT /memories/{id}: new content for a known id
	Delete = "delete" // DELETE /memories/{id}
	Link   = "link"   // POST /links from ID to Target
	Get    = "get"    // GET /memories/{id}
	List   = "list"   // GET /memories?namespace=, every page
)

// Op is one line of a history file. An invoke line carries what the
// client sent (Kind, Key, ID, Value, Target); its completion carries what
// came back (ID and Version of a write, Value and Version of a get, Items of
// a list). Values are unique per write, so a value names its write.
type Op struct {
	Op      string  `json:"op"`
	Kind    string  `json:"kind,omitempty"`
	Proc    int     `json:"proc"` // one client process has at most one request in flight
	TMS     float64 `json:"t_ms"` // monotonic, since the campaign started
	Phase   int     `json:"phase"`
	Class   string  `json:"fault,omitempty"`
	Cycle   int     `json:"cycle,omitempty"`
	Agent   string  `json:"agent,omitempty"`
	Node    string  `json:"node,omitempty"`
	Key     string  `json:"key,omitempty"` // the client's name for the memory (its title)
	ID      string  `json:"id,omitempty"`  // the memory id sent (update, delete, get) or acknowledged (put)
	Value   string  `json:"value,omitempty"`
	Version int64   `json:"version,omitempty"` // HLC of the version written or read
	Target  string  `json:"target,omitempty"`  // a link's target id
	Items   []Item  `json:"items,omitempty"`   // a list's rows
	Retry   int     `json:"retry,omitempty"`   // 1.. for a client retry of an unknown outcome
	Status  int     `json:"status,omitempty"`
	Error   string  `json:"error,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// Item is one memory as a client saw it: in a list answer or a node's
// final dump.
type Item struct {
	ID      string `json:"id"`
	Key     string `json:"key"`
	Value   string `json:"value"`
	Version int64  `json:"version"`
}

// Clock gives monotonic campaign time.
type Clock struct{ base time.Time }

// NewClock starts campaign time now.
func NewClock() *Clock { return &Clock{base: time.Now()} }

// MS is the monotonic milliseconds since the clock started.
func (c *Clock) MS() float64 { return float64(time.Since(c.base).Microseconds()) / 1000 }

// StartUnixMS is the wall time at which the clock started, so a history's
// t_ms can be set against the wall-clock part of a server's version.
func (c *Clock) StartUnixMS() int64 { return c.base.UnixMilli() }

// Recorder appends ops to a JSONL file; safe for concurrent use.
type Recorder struct {
	clock *Clock
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	err   error
}

// Create opens a new history file.
func Create(path string, clock *Clock) (*Recorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return &Recorder{clock: clock, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Clock returns the recorder's clock.
func (r *Recorder) Clock() *Clock { return r.clock }

// Add stamps op with the current time (unless already stamped) and writes it.
func (r *Recorder) Add(op Op) {
	if op.TMS == 0 {
		op.TMS = r.clock.MS()
	}
	b, err := json.Marshal(op)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		_, err = r.w.Write(append(b, '\n'))
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

// Close flushes and closes the file; it reports the first write error.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = err
	}
	if err := r.f.Close(); err != nil && r.err == nil {
		r.err = err
	}
	return r.err
}

// Load reads a history file. Any line that does not parse is an error:
// a history that cannot be read cannot pass.
func Load(path string) ([]Op, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ops []Op
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		var op Op
		if err := json.Unmarshal(sc.Bytes(), &op); err != nil || op.Op == "" {
			return nil, fmt.Errorf("%s:%d: not a history line: %.120s", path, line, sc.Bytes())
		}
		ops = append(ops, op)
	}
	return ops, sc.Err()
}

// Tally counts completions by outcome.
type Tally struct {
	Invoked int `json:"invoked"`
	OK      int `json:"ok"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
	// QuorumNotMet is the part of Unknown answered 503 quorum_not_met.
	QuorumNotMet int `json:"quorum_not_met"`
}

// Count tallies ops.
func Count(ops []Op) Tally {
	var t Tally
	for _, o := range ops {
		switch o.Op {
		case Invoke:
			t.Invoked++
		case OK:
			t.OK++
		case Fail:
			t.Fail++
		case Unknown:
			t.Unknown++
			if o.Status == 503 {
				t.QuorumNotMet++
			}
		}
	}
	return t
}

// AckedIDs returns the ids of every acknowledged write, in history order,
// optionally restricted to one cycle (cycle < 0: all).
func AckedIDs(ops []Op, cycle int) []string {
	var ids []string
	for _, o := range ops {
		if o.Op == OK && o.ID != "" && (cycle < 0 || o.Cycle == cycle) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// Check verifies the shape of a history: every completion closes an open
// invoke of the same proc, and no proc has two requests in flight.
func Check(ops []Op) error {
	open := map[int]bool{}
	for i, o := range ops {
		switch o.Op {
		case Invoke:
			if open[o.Proc] {
				return fmt.Errorf("op %d: proc %d invoked twice without completing", i, o.Proc)
			}
			open[o.Proc] = true
		case OK, Fail, Unknown:
			if !open[o.Proc] {
				return fmt.Errorf("op %d: proc %d completed without an invoke", i, o.Proc)
			}
			open[o.Proc] = false
		}
	}
	return nil
}

// Latencies returns the duration in ms of every acknowledged write, pairing
// each completion with its proc's open invoke.
func Latencies(ops []Op) []float64 {
	open := map[int]float64{}
	var out []float64
	for _, o := range ops {
		switch o.Op {
		case Invoke:
			open[o.Proc] = o.TMS
		case OK:
			if t, ok := open[o.Proc]; ok {
				out = append(out, o.TMS-t)
			}
			delete(open, o.Proc)
		case Fail, Unknown:
			delete(open, o.Proc)
		}
	}
	return out
}

// Log keeps one cycle's operations in memory for its checker while
// writing them through to the class's history file.
type Log struct {
	rec *Recorder
	mu  sync.Mutex
	ops []Op
}

// Cycle starts an in-memory log that writes through to r.
func (r *Recorder) Cycle() *Log { return &Log{rec: r} }

// Add stamps op (unless already stamped), keeps it and writes it.
func (l *Log) Add(op Op) {
	if op.TMS == 0 {
		op.TMS = l.rec.clock.MS()
	}
	l.mu.Lock()
	l.ops = append(l.ops, op)
	l.mu.Unlock()
	l.rec.Add(op)
}

// Clock is the campaign clock.
func (l *Log) Clock() *Clock { return l.rec.clock }

// Ops returns a copy of the operations so far, in the order they were added.
func (l *Log) Ops() []Op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Op(nil), l.ops...)
}

package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/aimemory/ai-memory/shipgate/validate"
)

// DumpsFile names the file that keeps every chaos cycle's final node dumps
// of one class, so the aggregator can re-run the checker on the evidence.
func DumpsFile(class string) string { return "dumps-phase4-" + class + ".jsonl" }

// CycleDumps is one line of a dumps file.
type CycleDumps struct {
	Cycle int             `json:"cycle"`
	Dumps []validate.Dump `json:"dumps"`
}

// DumpWriter appends cycle dumps to a file; safe for concurrent use.
type DumpWriter struct {
	mu  sync.Mutex
	f   *os.File
	err error
}

// CreateDumps opens a new dumps file.
func CreateDumps(path string) (*DumpWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &DumpWriter{f: f}, nil
}

// Add writes one cycle's dumps.
func (w *DumpWriter) Add(cycle int, dumps []validate.Dump) {
	b, err := json.Marshal(CycleDumps{Cycle: cycle, Dumps: dumps})
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		_, err = w.f.Write(append(b, '\n'))
	}
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Close closes the file and reports the first write error.
func (w *DumpWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// LoadDumps reads a dumps file by cycle. A line that does not parse is an
// error: evidence that cannot be read cannot pass.
func LoadDumps(path string) (map[int][]validate.Dump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[int][]validate.Dump{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		var cd CycleDumps
		if err := json.Unmarshal(sc.Bytes(), &cd); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		out[cd.Cycle] = cd.Dumps
	}
	return out, sc.Err()
}

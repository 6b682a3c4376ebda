package render

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"github.com/aimemory/ai-memory/shipgate/gate"
)

// The chart series are read from the campaign's artifacts. Each reader
// returns nil when its series is absent, and the page then says so rather
// than drawing an empty chart.

// convergenceSeries: phase2.json "convergence_series", one sample per poll:
// {"t_ms": ms since settling began, "<node>": acknowledged ids it holds}.
func convergenceSeries(p2 gate.Artifact) []Series {
	samples, _ := p2.Fields["convergence_series"].([]any)
	byNode := map[string][]Point{}
	for _, s := range samples {
		m, _ := s.(map[string]any)
		t, ok := m["t_ms"].(float64)
		if !ok {
			continue
		}
		for k, v := range m {
			if f, ok := v.(float64); ok && k != "t_ms" {
				byNode[k] = append(byNode[k], Point{t, f})
			}
		}
	}
	nodes := make([]string, 0, len(byNode))
	for n := range byNode {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	var out []Series
	for _, n := range nodes {
		name := n
		if len(n) == 1 {
			name = "node-" + n
		}
		out = append(out, Series{Name: name, Points: byNode[n]})
	}
	return out
}

// cycleRecord is one phase-4 cycle as the campaign reports it in
// phase4.json "cycles": [{"fault","cycle","ok","bound"}].
type cycleRecord struct {
	Fault       string  `json:"fault"`
	Cycle       int     `json:"cycle"`
	AckedWrites int     `json:"acked_writes"`
	FaultMS     float64 `json:"fault_duration_ms"`
}

func cycles(p4 gate.Artifact) []cycleRecord {
	raw, ok := p4.Fields["cycles"]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(raw)
	var out []cycleRecord
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// cycleSeries returns, per fault class, the drawn fault duration per cycle
// and the acknowledged-write count per cycle.
func cycleSeries(p4 gate.Artifact) (duration, acked []Series) {
	recs := cycles(p4)
	var order []string
	bySeries := map[string][2][]Point{}
	for _, c := range recs {
		s, seen := bySeries[c.Fault]
		if !seen {
			order = append(order, c.Fault)
		}
		s[0] = append(s[0], Point{float64(c.Cycle), c.FaultMS})
		s[1] = append(s[1], Point{float64(c.Cycle), float64(c.AckedWrites)})
		bySeries[c.Fault] = s
	}
	for _, f := range order {
		s := bySeries[f]
		sort.Slice(s[0], func(i, j int) bool { return s[0][i].X < s[0][j].X })
		sort.Slice(s[1], func(i, j int) bool { return s[1][i].X < s[1][j].X })
		duration = append(duration, Series{Name: f, Points: s[0]})
		acked = append(acked, Series{Name: f, Points: s[1]})
	}
	return duration, acked
}

// historyLine is the part of a history-*.jsonl line latency needs.
type historyLine struct {
	Op    string  `json:"op"` // invoke | ok | fail | unknown | fault
	Proc  int     `json:"proc"`
	TMS   float64 `json:"t_ms"`
	Phase int     `json:"phase"`
}

// writeLatencies reads every history file of the run and returns, per
// phase, the latency in ms of each acknowledged write: an invoke paired
// with the next completion of the same process (a process has one request
// in flight at a time).
func writeLatencies(dir string) map[int][]float64 {
	files, _ := filepath.Glob(filepath.Join(dir, "history-*.jsonl"))
	out := map[int][]float64{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		type key struct{ phase, proc int }
		open := map[key]float64{}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var h historyLine
			if json.Unmarshal(sc.Bytes(), &h) != nil {
				continue
			}
			k := key{h.Phase, h.Proc}
			switch h.Op {
			case "invoke":
				open[k] = h.TMS
			case "ok":
				if t0, ok := open[k]; ok {
					out[h.Phase] = append(out[h.Phase], h.TMS-t0)
				}
				delete(open, k)
			case "fail", "unknown":
				delete(open, k)
			}
		}
		fh.Close()
	}
	return out
}

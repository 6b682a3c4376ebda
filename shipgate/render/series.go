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

// convergenceSeries: phase2.json "convergence_series", samples of ids
// present per node while polling: [{"t_ms":..,"a":..,"b":..,"c":..}].
func convergenceSeries(p2 gate.Artifact) []Series {
	samples, _ := p2.Fields["convergence_series"].([]any)
	byNode := map[string][]Point{}
	for _, s := range samples {
		m, _ := s.(map[string]any)
		t, ok := m["t_ms"].(float64)
		if !ok {
			continue
		}
		for _, n := range gate.Phase1Nodes {
			if v, ok := m[n].(float64); ok {
				byNode[n] = append(byNode[n], Point{t, v})
			}
		}
	}
	var out []Series
	for _, n := range gate.Phase1Nodes {
		if len(byNode[n]) > 0 {
			out = append(out, Series{Name: "node-" + n, Points: byNode[n]})
		}
	}
	return out
}

// cycleRecord is one phase-4 cycle as the campaign reports it in
// phase4.json "cycles": [{"fault","cycle","ok","bound"}].
type cycleRecord struct {
	Fault string  `json:"fault"`
	Cycle int     `json:"cycle"`
	OK    int     `json:"ok"`
	Bound float64 `json:"bound"`
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

// cycleSeries returns, per fault class, convergence per cycle and the
// acknowledged-write count per cycle.
func cycleSeries(p4 gate.Artifact) (bound, acked []Series) {
	recs := cycles(p4)
	var order []string
	bySeries := map[string][2][]Point{}
	for _, c := range recs {
		s, seen := bySeries[c.Fault]
		if !seen {
			order = append(order, c.Fault)
		}
		s[0] = append(s[0], Point{float64(c.Cycle), c.Bound})
		s[1] = append(s[1], Point{float64(c.Cycle), float64(c.OK)})
		bySeries[c.Fault] = s
	}
	for _, f := range order {
		s := bySeries[f]
		sort.Slice(s[0], func(i, j int) bool { return s[0][i].X < s[0][j].X })
		sort.Slice(s[1], func(i, j int) bool { return s[1][i].X < s[1][j].X })
		bound = append(bound, Series{Name: f, Points: s[0]})
		acked = append(acked, Series{Name: f, Points: s[1]})
	}
	return bound, acked
}

// historyLine is one operation record of history-*.jsonl.
type historyLine struct {
	Op    string  `json:"op"` // invoke | ok | fail | unknown
	Proc  any     `json:"proc"`
	TMS   float64 `json:"t_ms"`
	Phase int     `json:"phase"`
}

// writeLatencies pairs each invoke with the next completion of the same
// process (a process has one operation in flight, as in a porcupine
// history) across every history file of the run, in milliseconds.
func writeLatencies(dir string) []float64 {
	files, _ := filepath.Glob(filepath.Join(dir, "history-*.jsonl"))
	var out []float64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		open := map[string]float64{}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var h historyLine
			if json.Unmarshal(sc.Bytes(), &h) != nil {
				continue
			}
			key, _ := json.Marshal(h.Proc)
			switch h.Op {
			case "invoke":
				open[string(key)] = h.TMS
			case "ok":
				if t0, ok := open[string(key)]; ok {
					out = append(out, h.TMS-t0)
					delete(open, string(key))
				}
			default:
				delete(open, string(key))
			}
		}
		fh.Close()
	}
	return out
}

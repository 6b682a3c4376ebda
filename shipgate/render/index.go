package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/aimemory/ai-memory/shipgate/gate"
)

// SoakSummaryFile is a collection summary the dashboard shows as a
// section, not as a run (as it does canary.SummaryFile).
const SoakSummaryFile = "soak-summary.json"

type indexPage struct {
	Rows          []indexRow
	Passed, Total int
	DurationChart template.HTML
	PassRateChart template.HTML
	Canaries      []canarySection
	Soak          *soakSection
	Generated     string
}

type indexRow struct {
	ID, Href, Outcome, Version, Completed, Duration string
	Phases                                          [4]string // ✓ ✗ —
	PhaseTitles                                     [4]string
	PhaseStatus                                     [4]gate.Status
	Signed                                          bool
	when                                            time.Time
	wall                                            float64
}

type canarySection struct {
	Dir     string
	Summary canary.Summary
	Rows    []canaryRow
	Raw     string
}

// canaryRow is one planted bug: each phase red or green over its
// campaigns, the phases it must turn red and those it must leave green.
type canaryRow struct {
	Name, Href, Catch, Quiet, Reason string
	Phases                           [4]string
	Caught                           bool
	Rate                             string
}

type soakSection struct {
	Summary map[string]any
	Raw     string
}

// Index renders runsDir/index.html over every campaign directory in it and
// returns how many runs it listed.
func Index(runsDir string) (int, error) {
	entries, err := os.ReadDir(runsDir)
	if err != nil {
		return 0, err
	}
	page := indexPage{Generated: time.Now().UTC().Format(time.RFC3339)}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(runsDir, e.Name())
		if raw, err := os.ReadFile(filepath.Join(dir, canary.SummaryFile)); err == nil {
			page.Canaries = append(page.Canaries, canaryFrom(e.Name(), raw))
			continue
		}
		r, err := gate.LoadRunHeader(dir)
		if err != nil {
			return 0, err
		}
		page.Rows = append(page.Rows, rowFor(r, e))
	}
	if raw, err := os.ReadFile(filepath.Join(runsDir, SoakSummaryFile)); err == nil {
		var m map[string]any
		json.Unmarshal(raw, &m)
		page.Soak = &soakSection{Summary: m, Raw: pretty(raw)}
	}
	sort.Slice(page.Rows, func(i, j int) bool { return newer(page.Rows[i], page.Rows[j]) })
	for _, r := range page.Rows {
		page.Total++
		if r.Outcome == OutcomePass {
			page.Passed++
		}
	}
	page.DurationChart, page.PassRateChart = trendCharts(page.Rows)
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "index.html", page); err != nil {
		return 0, err
	}
	return len(page.Rows), writeAtomic(filepath.Join(runsDir, attest.PageFile), buf.Bytes())
}

func rowFor(r *gate.Run, e os.DirEntry) indexRow {
	row := indexRow{ID: r.ID, Outcome: Outcome(r), Version: "—", Completed: "—", Duration: "—", when: r.CompletedAt, wall: math.NaN()}
	base := e.Name()
	row.Href = base + "/" + attest.PageFile
	if _, err := os.Stat(filepath.Join(r.Dir, attest.PageFile)); err != nil {
		row.Href = base + "/"
	}
	if prov := provenanceOf(r); prov != nil && prov.Version != "" {
		row.Version = prov.Version
	}
	if !r.CompletedAt.IsZero() {
		row.Completed = r.CompletedAt.Format("2006-01-02 15:04Z")
	} else if info, err := e.Info(); err == nil {
		row.when = info.ModTime() // a run that never completed sorts by when it was last touched
	}
	if w, ok := wallSeconds(r); ok {
		row.Duration, row.wall = time.Duration(w*float64(time.Second)).Round(time.Second).String(), w
	}
	for n := 1; n <= 4; n++ {
		st := r.PhaseStatus(n)
		row.PhaseTitles[n-1] = fmt.Sprintf("phase %d %s: %s", n, r.Phase(n).Name, st)
		row.PhaseStatus[n-1] = st
		switch st {
		case gate.StatusPass:
			row.Phases[n-1] = "✓"
		case gate.StatusFail:
			row.Phases[n-1] = "✗"
		default:
			row.Phases[n-1] = "—"
		}
	}
	_, err := os.Stat(filepath.Join(r.Dir, attest.VerdictFile))
	row.Signed = err == nil
	return row
}

// newer: most recent first; ties (and undated runs) by version-aware id.
func newer(a, b indexRow) bool {
	if !a.when.Equal(b.when) {
		return a.when.After(b.when)
	}
	return naturalLess(b.ID, a.ID)
}

// trendCharts draws, oldest to newest, each run's duration coloured by
// outcome, and the pass rate over the last 10 runs.
func trendCharts(rows []indexRow) (durations, passRate template.HTML) {
	if len(rows) == 0 {
		return "", ""
	}
	var bars []Bar
	var rate []Point
	window := []bool{}
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		pass := r.Outcome == OutcomePass
		v := r.wall / 60
		if math.IsNaN(v) {
			v = 0
		}
		bars = append(bars, Bar{Label: r.ID, Value: v, Bad: !pass, Title: fmt.Sprintf("%s: %s, %s", r.ID, r.Outcome, r.Duration)})
		window = append(window, pass)
		if len(window) > 10 {
			window = window[1:]
		}
		n := 0
		for _, p := range window {
			if p {
				n++
			}
		}
		rate = append(rate, Point{float64(len(rows) - i), float64(n) / float64(len(window))})
	}
	durations = BarChart("campaign duration (green pass, red fail), oldest → newest", "minutes", bars)
	passRate = LineChart("pass rate over the last 10 runs", "run #", "pass rate", []Series{{Name: "pass rate", Points: rate}}, math.NaN())
	return durations, passRate
}

func canaryFrom(dir string, raw []byte) canarySection {
	c := canarySection{Dir: dir, Raw: pretty(raw)}
	if json.Unmarshal(raw, &c.Summary) != nil {
		return c
	}
	for _, r := range c.Summary.Canaries {
		row := canaryRowOf(r)
		if len(r.Attempts) > 0 {
			row.Href = r.Attempts[0].CampaignID + "/index.html"
			row.Reason = r.Attempts[len(r.Attempts)-1].Reason
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// canaryRowOf lays out one canary's result.
func canaryRowOf(r canary.Result) canaryRow {
	row := canaryRow{Name: r.Name, Caught: r.AllCaught, Rate: fmt.Sprintf("%d/%d", r.Caught, len(r.Attempts))}
	var catch, quiet []string
	for _, k := range r.Catch {
		catch = append(catch, fmt.Sprintf("%d: %s", k.Phase, strings.Join(k.Checks, " | ")))
	}
	for _, q := range r.Quiet {
		quiet = append(quiet, fmt.Sprint(q))
	}
	row.Catch, row.Quiet = strings.Join(catch, "; "), strings.Join(quiet, ",")
	for n := 1; n <= 4; n++ {
		row.Phases[n-1] = r.Cell(n)
	}
	return row
}

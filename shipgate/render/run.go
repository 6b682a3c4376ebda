// Package render writes the offline evidence pages: one self-contained
// index.html per campaign and a dashboard over all of them. Pages use
// html/template, inline CSS and inline SVG only: no script, no network, so
// they open from file:// and from a CI artifact alike.
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
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Outcomes shown in badges. NO EVIDENCE is a failure that produced nothing
// to judge; it is never PASS.
const (
	OutcomePass       = "PASS"
	OutcomeFail       = "FAIL"
	OutcomeNoEvidence = "NO EVIDENCE"
)

// Outcome is the strict outcome of a run.
func Outcome(r *gate.Run) string {
	switch {
	case r.Pass():
		return OutcomePass
	case !r.HasEvidence():
		return OutcomeNoEvidence
	default:
		return OutcomeFail
	}
}

type runPage struct {
	ID, Outcome, Version, Binary, Commit, CompletedAt, Wall string
	Failures                                                []string
	User, Manager, Engineer                                 string
	Phases                                                  []phaseView
	Artifacts                                               []artifactView
	Summary                                                 string
	Signature                                               string
	Generated                                               string
}

type phaseView struct {
	Num     int
	Name    string
	Purpose string
	Status  gate.Status
	Wall    string
	Groups  []checkGroup
	Charts  []template.HTML
	Missing []string // charts whose series the artifacts do not carry
	Raw     []rawView
}

type checkGroup struct {
	Label  string
	Status gate.Status
	Checks []report.Check
}

type rawView struct{ File, JSON string }

type artifactView struct {
	Name, SHA256 string
	Size         int64
}

// RunPage renders dir/index.html from the run's artifacts.
func RunPage(dir string) error {
	r, err := gate.LoadRun(dir)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "run.html", buildRunPage(r)); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, attest.PageFile), buf.Bytes())
}

func buildRunPage(r *gate.Run) runPage {
	p := runPage{
		ID:        r.ID,
		Outcome:   Outcome(r),
		Failures:  r.Failures(),
		Version:   "unknown",
		Binary:    "unknown",
		Commit:    "unknown",
		Wall:      "unknown",
		Generated: time.Now().UTC().Format(time.RFC3339),
	}
	if !r.CompletedAt.IsZero() {
		p.CompletedAt = r.CompletedAt.Format(time.RFC3339)
	} else {
		p.CompletedAt = "never (no valid completed_at)"
	}
	if prov := provenanceOf(r); prov != nil {
		p.Version, p.Binary, p.Commit = orUnknown(prov.Version), orUnknown(prov.BinarySHA256), orUnknown(prov.Commit)
	}
	if w, ok := wallSeconds(r); ok {
		p.Wall = human(w)
	}
	if len(r.SummaryRaw) > 0 {
		p.Summary = pretty(r.SummaryRaw)
	}
	passed, failed := r.TestNames()
	p.User, p.Manager, p.Engineer = audience(r, p.Outcome, len(passed), failed)
	lat := writeLatencies(r.Dir)
	for n := 1; n <= 4; n++ {
		p.Phases = append(p.Phases, buildPhase(r, n, lat))
	}
	p.Artifacts = listArtifacts(r.Dir)
	p.Signature = signatureNote(r.Dir)
	return p
}

func buildPhase(r *gate.Run, n int, lat map[int][]float64) phaseView {
	ph := r.Phase(n)
	v := phaseView{Num: n, Name: ph.Name, Purpose: ph.Purpose, Status: ph.Status}
	if w, ok := phaseWall(r, n); ok {
		v.Wall = human(w)
	}
	for _, a := range ph.Artifacts {
		label := a.File
		v.Groups = append(v.Groups, checkGroup{Label: label, Status: a.Status, Checks: r.Checks(a)})
		if a.Raw != nil {
			v.Raw = append(v.Raw, rawView{File: a.File, JSON: pretty(a.Raw)})
		}
	}
	switch n {
	case 2:
		a := ph.Artifacts[0]
		if a.Fields != nil {
			if s := convergenceSeries(a); len(s) > 0 && len(s[0].Points) > 1 {
				v.Charts = append(v.Charts, LineChart("ids present per node until convergence", "ms since settling began", "acknowledged ids held", s, okCount(a)))
			} else if len(s) > 0 {
				// One poll: every node already held every id. A line needs
				// two points; bars show the single sample as it is.
				var bars []Bar
				for _, n := range s {
					p := n.Points[0]
					bars = append(bars, Bar{Label: n.Name, Value: p.Y, Bad: !math.IsNaN(okCount(a)) && p.Y < okCount(a)})
				}
				v.Charts = append(v.Charts, BarChart(fmt.Sprintf("acknowledged ids held per node at the first poll (%s ms after the burst)", short(s[0].Points[0].X)), "ids", bars))
			} else {
				v.Missing = append(v.Missing, "convergence over time (phase2.json has no convergence_series)")
			}
			v.latency(lat[2], "burst write latency")
		}
	case 4:
		a := ph.Artifacts[0]
		if a.Fields != nil {
			duration, acked := cycleSeries(a)
			if duration != nil {
				v.Charts = append(v.Charts,
					LineChart("fault duration drawn per cycle, per fault class", "cycle", "ms", duration, math.NaN()),
					LineChart("acknowledged writes per cycle", "cycle", "writes", acked, math.NaN()))
			} else {
				v.Missing = append(v.Missing, "per-cycle fault durations (phase4.json has no cycles)")
			}
			v.latency(lat[4], "chaos write latency")
		}
	}
	return v
}

func (v *phaseView) latency(ms []float64, title string) {
	if len(ms) == 0 {
		v.Missing = append(v.Missing, fmt.Sprintf("write latency (no phase-%d invoke/ok pairs in history-*.jsonl)", v.Num))
		return
	}
	v.Charts = append(v.Charts, Histogram("acknowledged "+title, "ms", ms))
}

func okCount(a gate.Artifact) float64 {
	if v, ok := a.Fields["ok"].(float64); ok {
		return v
	}
	return math.NaN()
}

// audience writes the three "what this means" notes. They only repeat what
// the checks established; a failing run says so first.
func audience(r *gate.Run, outcome string, nPassed int, failed []string) (user, manager, engineer string) {
	switch outcome {
	case OutcomePass:
		user = fmt.Sprintf("This build kept every memory it acknowledged on every node, through these injected faults: %s; and it moved its data to Postgres and back unchanged. As far as this campaign can tell, it is safe to upgrade.", faultList(r))
		manager = fmt.Sprintf("Ship: all four phases passed, %d of %d checks green, on the exact binary named above. The verdict can be signed and is enforced by `ship-gate gate` before a tag.", nPassed, nPassed)
		engineer = "Every acknowledged write was found on every node with its body (checked from the history against each node's final dump), no duplicate, phantom, resurrection or causal violation, every fault class showed its effect in enough cycles, probes behaved as W=2 demands, migration round-tripped with equal digests. Raw artifacts and their sha256 are below."
	case OutcomeNoEvidence:
		user = "This campaign produced no results, so it says nothing about this build. Do not treat it as a pass."
		manager = "Do not ship on this run: it failed before writing any evidence (an infrastructure failure). Re-run the campaign."
		engineer = "No artifact exists. Check the harness log of this campaign; the run directory is empty of phase files and summary."
	default:
		first := ""
		if fs := r.Failures(); len(fs) > 0 {
			first = fs[0]
		}
		user = "This build failed its release checks. Do not upgrade to it: " + first
		manager = fmt.Sprintf("Do not ship: %d checks failed (%d passed). The first: %s", len(failed), nPassed, first)
		engineer = "Failing checks: " + strings.Join(failed, "; ")
	}
	return user, manager, engineer
}

// faultList names the chaos classes phase 4 actually exercised.
func faultList(r *gate.Run) string {
	conv, _ := r.Phase(4).Artifacts[0].Fields["convergence_by_fault"].(map[string]any)
	var names []string
	for k := range conv {
		names = append(names, strings.ReplaceAll(k, "_", " "))
	}
	if len(names) == 0 {
		return "none recorded"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func listArtifacts(dir string) []artifactView {
	var out []artifactView
	arts, err := attest.HashArtifacts(dir)
	if err != nil {
		return []artifactView{{Name: "cannot list artifacts: " + err.Error()}}
	}
	for _, a := range arts {
		var size int64
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(a.Name))); err == nil {
			size = st.Size()
		}
		out = append(out, artifactView{Name: a.Name, SHA256: a.SHA256(), Size: size})
	}
	return out
}

// signatureNote describes the envelope without verifying it: the page has
// no key; `ship-gate verify` is the check.
func signatureNote(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, attest.VerdictFile))
	if err != nil {
		return "unsigned (no " + attest.VerdictFile + ")"
	}
	var env attest.Envelope
	if json.Unmarshal(raw, &env) != nil || len(env.Signatures) == 0 {
		return attest.VerdictFile + " is present but malformed"
	}
	return fmt.Sprintf("%s present, keyid %s — check it with `ship-gate verify %s --pubkey KEY.pub`", attest.VerdictFile, env.Signatures[0].KeyID, dir)
}

func pretty(raw []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

func human(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(100 * time.Millisecond)
	return fmt.Sprintf("%s (%.1f s)", d, sec)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

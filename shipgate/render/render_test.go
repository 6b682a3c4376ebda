package render

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
)

func writeFixture(t testing.TB, dir string, r fixture.Run) {
	t.Helper()
	if r.Version == "" {
		r.Version = "0.7.0"
	}
	if r.ID == "" {
		r.ID = filepath.Base(dir)
	}
	if r.BinarySHA256 == "" {
		r.BinarySHA256 = strings.Repeat("ab", 32)
	}
	if err := fixture.Write(dir, r); err != nil {
		t.Fatal(err)
	}
}

func renderRun(t *testing.T, dir string) string {
	t.Helper()
	if err := RunPage(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var badgeRE = regexp.MustCompile(`<div class="badge [A-Z-]+" id="badge">([A-Z ]+)</div>`)

func badge(t *testing.T, page string) string {
	t.Helper()
	m := badgeRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page has no badge")
	}
	return m[1]
}

func TestRunPagePass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c-pass")
	writeFixture(t, dir, fixture.Run{})
	page := renderRun(t, dir)
	if got := badge(t, page); got != "PASS" {
		t.Fatalf("badge %s", got)
	}
	for _, want := range []string{`id="phase-1"`, `id="phase-2"`, `id="phase-3"`, `id="phase-4"`,
		"For a user", "For a manager", "For an engineer", strings.Repeat("ab", 32), "0123456789abcdef",
		"mcp_tool_count", "campaign-summary.json", "kill_node: convergence_bound", "chaos.power_loss.lost"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Offline: no scripts, no remote resources.
	for _, bad := range []string{"<script", "http://", "https://"} {
		if i := strings.Index(page, bad); i >= 0 && !strings.Contains(page[i:i+40], "www.w3.org/2000/svg") {
			t.Errorf("page contains %q: %s", bad, page[i:min(len(page), i+80)])
		}
	}
	if !strings.Contains(page, "prefers-color-scheme:dark") {
		t.Error("no dark-mode stylesheet")
	}
}

func TestRunPageFailClosed(t *testing.T) {
	cases := []struct {
		name   string
		run    fixture.Run
		badge  string
		status string // expected in phase 3's section
	}{
		{"phase 2 red", fixture.Run{FailPhase: 2}, "FAIL", "NOT REACHED"},
		{"phase 3 missing, summary says pass", fixture.Run{OmitPhase: 3, OverallPass: ptr(true)}, "FAIL", "NOT RUN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "c")
			writeFixture(t, dir, c.run)
			page := renderRun(t, dir)
			if got := badge(t, page); got != c.badge {
				t.Fatalf("badge %s, want %s", got, c.badge)
			}
			sec := page[strings.Index(page, `id="phase-3"`):]
			sec = sec[:strings.Index(sec, "</h2>")]
			if !strings.Contains(sec, c.status) {
				t.Fatalf("phase 3 heading %q lacks %s", sec, c.status)
			}
		})
	}
	// A directory with nothing in it.
	dir := filepath.Join(t.TempDir(), "empty")
	os.MkdirAll(dir, 0o755)
	if got := badge(t, renderRun(t, dir)); got != "NO EVIDENCE" {
		t.Fatalf("empty run badge %s", got)
	}
}

func TestRunPageEscapesArtifactText(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	writeFixture(t, dir, fixture.Run{})
	os.WriteFile(filepath.Join(dir, "phase2.json"),
		[]byte(`{"phase":2,"pass":false,"reasons":["<script>alert(1)</script>"]}`), 0o644)
	page := renderRun(t, dir)
	if strings.Contains(page, "<script>alert") {
		t.Fatal("artifact text reached the page unescaped")
	}
}

func TestRunPageCharts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	writeFixture(t, dir, fixture.Run{})
	// Series as the campaign writes them, and one history only.
	hists, _ := filepath.Glob(filepath.Join(dir, "history-*.jsonl"))
	for _, h := range hists {
		os.Remove(h)
	}
	os.WriteFile(filepath.Join(dir, "phase2.json"), []byte(`{"phase":2,"pass":true,"ok":200,"reasons":[],
		"convergence_series":[{"t_ms":0,"a":200,"b":150,"c":120},{"t_ms":25,"a":200,"b":200,"c":190},{"t_ms":50,"a":200,"b":200,"c":200}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "phase4.json"), []byte(`{"phase":4,"pass":true,"reasons":[],
		"convergence_by_fault":{"kill_node":1},
		"cycles":[{"fault":"kill_node","cycle":1,"acked_writes":97,"fault_duration_ms":300},{"fault":"kill_node","cycle":2,"acked_writes":99,"fault_duration_ms":4100}]}`), 0o644)
	var hist strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&hist, "{\"op\":\"invoke\",\"phase\":4,\"proc\":%d,\"t_ms\":%d}\n{\"op\":\"ok\",\"phase\":4,\"proc\":%d,\"t_ms\":%d}\n", i%4, i*10, i%4, i*10+3+i%7)
	}
	os.WriteFile(filepath.Join(dir, "history-kill_node.jsonl"), []byte(hist.String()), 0o644)
	page := renderRun(t, dir)
	for _, want := range []string{"ids present per node until convergence", "fault duration drawn per cycle", "acknowledged writes per cycle", "acknowledged chaos write latency — n=50"} {
		if !strings.Contains(page, want) {
			t.Errorf("missing chart %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
}

func TestIndexOrderAndStrictness(t *testing.T) {
	root := t.TempDir()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	writeFixture(t, filepath.Join(root, "v0.7.0-r9"), fixture.Run{CompletedAt: base})
	writeFixture(t, filepath.Join(root, "v0.7.0-r10"), fixture.Run{CompletedAt: base.Add(time.Hour), FailPhase: 4})
	writeFixture(t, filepath.Join(root, "v0.7.0-r11"), fixture.Run{CompletedAt: base.Add(2 * time.Hour), OmitPhase: 1, OverallPass: ptr(true)})
	os.MkdirAll(filepath.Join(root, "v0.7.0-r12"), 0o755) // crashed before any artifact
	n, err := Index(root)
	if err != nil || n != 4 {
		t.Fatalf("Index: %d %v", n, err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "index.html"))
	page := string(b)
	var order []string
	for _, m := range regexp.MustCompile(`<tr class="row ([A-Z-]+)"><td class="mono"><a href="[^"]*">([^<]+)</a>`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[2]+"="+m[1])
	}
	want := "v0.7.0-r12=NO-EVIDENCE v0.7.0-r11=FAIL v0.7.0-r10=FAIL v0.7.0-r9=PASS"
	if strings.Join(order, " ") != want {
		t.Fatalf("rows %v\nwant %s", order, want)
	}
	if !strings.Contains(page, "1 of 4 campaigns pass") || strings.Count(page, "<svg") != 2 {
		t.Fatal("tally or trend charts missing")
	}
}

func TestNaturalLess(t *testing.T) {
	ordered := []string{"soak-v0.6.0-r2", "soak-v0.6.0-r10", "soak-v0.6.0-r84", "v0.6.0.0-r9", "v0.6.0.0-r14", "v0.6.3-rc1", "v0.6.3-rc1-r2", "v0.6.10"}
	for i := 0; i+1 < len(ordered); i++ {
		if !naturalLess(ordered[i], ordered[i+1]) || naturalLess(ordered[i+1], ordered[i]) {
			t.Errorf("want %s < %s", ordered[i], ordered[i+1])
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestIndexShowsCanaryTable: the dashboard lays out each canary's phases
// red or green and says which canaries the campaign is too weak for.
func TestIndexShowsCanaryTable(t *testing.T) {
	root := t.TempDir()
	s := canary.Summary{Total: 2, Caught: 1, Repeat: 2, TooWeak: []string{"skip-fsync"}, Canaries: []canary.Result{
		{Name: "list-cap-20", Catch: []canary.Catch{{Phase: 2, Checks: []string{"federation.list_complete"}}}, Caught: 2, AllCaught: true,
			Attempts: []canary.Attempt{
				{CampaignID: "c1", Caught: true, Phases: []canary.PhaseOutcome{{Phase: 1}, {Phase: 2, Red: true}, {Phase: 3}, {Phase: 4}}},
				{CampaignID: "c2", Caught: true, Phases: []canary.PhaseOutcome{{Phase: 1}, {Phase: 2, Red: true}, {Phase: 3}, {Phase: 4, Red: true}}}}},
		{Name: "skip-fsync", Quiet: []int{1, 2, 3}, Caught: 1, Attempts: []canary.Attempt{
			{CampaignID: "c3", Caught: true, Phases: []canary.PhaseOutcome{{Phase: 4, Red: true}}},
			{CampaignID: "c4", Reason: "not caught: phase 4: none of [chaos.power_loss.lost] failed"}}},
	}}
	os.MkdirAll(filepath.Join(root, "canary"), 0o755)
	b, _ := json.Marshal(s)
	os.WriteFile(filepath.Join(root, "canary", canary.SummaryFile), b, 0o644)
	if _, err := Index(root); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(root, "index.html"))
	for _, want := range []string{"GATE TOO WEAK", "too weak for: skip-fsync", `<td class="c">red</td><td class="c">green</td><td class="c">red 1/2</td>`,
		"2: federation.list_complete", "✗ 1/2", "none of [chaos.power_loss.lost] failed"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}

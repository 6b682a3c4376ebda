package render

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
)

// TestBrowser loads a run page and the dashboard in headless Chromium and
// checks the rendered DOM: the badge, all four phase sections and the SVG
// charts. By default it renders synthetic runs; SHIPGATE_BROWSER_RUN=runs/<id>
// checks a real campaign instead (its parent is used for the dashboard), and
// SHIPGATE_SCREENSHOTS=DIR saves run.png and dashboard.png there.
// SHIPGATE_BROWSER_FIXTURES=DIR keeps the synthetic runs in DIR to look at.
func TestBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium binary (Debian package `chromium`); the page structure is still covered by the other render tests")
	}
	runDir := os.Getenv("SHIPGATE_BROWSER_RUN")
	if runDir == "" {
		root := os.Getenv("SHIPGATE_BROWSER_FIXTURES")
		if root == "" {
			root = t.TempDir()
		}
		base := time.Now().UTC().Add(-12 * time.Hour)
		for i, fail := range []int{0, 2, 0, 4, 0} {
			writeFixture(t, filepath.Join(root, fmt.Sprintf("v0.7.0-r%d", i+1)), fixture.Run{CompletedAt: base.Add(time.Duration(i) * time.Hour), FailPhase: fail})
		}
		runDir = filepath.Join(root, "v0.7.0-r5")
		addSeries(t, runDir)
	}
	if !filepath.IsAbs(runDir) {
		t.Fatalf("SHIPGATE_BROWSER_RUN=%s: want an absolute path (go test runs in the package directory)", runDir)
	}
	if err := RunPage(runDir); err != nil {
		t.Fatal(err)
	}
	if _, err := Index(filepath.Dir(runDir)); err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()

	dom := headless(t, bin, profile, "--dump-dom", "file://"+filepath.Join(runDir, "index.html"))
	if !regexp.MustCompile(`id="badge">(PASS|FAIL|NO EVIDENCE)<`).MatchString(dom) {
		t.Error("run page: no badge in the DOM")
	}
	for n := 1; n <= 4; n++ {
		if !strings.Contains(dom, fmt.Sprintf(`id="phase-%d"`, n)) {
			t.Errorf("run page: phase %d section missing", n)
		}
	}
	if strings.Count(dom, "<svg") < 1 {
		t.Error("run page: no SVG chart")
	}
	dash := headless(t, bin, profile, "--dump-dom", "file://"+filepath.Join(filepath.Dir(runDir), "index.html"))
	if !strings.Contains(dash, `id="runs"`) || strings.Count(dash, `<tr class="row`) < 1 || strings.Count(dash, "<svg") < 2 {
		t.Error("dashboard: runs table or trend charts missing")
	}
	if out := os.Getenv("SHIPGATE_SCREENSHOTS"); out != "" {
		if !filepath.IsAbs(out) {
			t.Fatalf("SHIPGATE_SCREENSHOTS=%s: want an absolute path (go test runs in the package directory)", out)
		}
		headless(t, bin, profile, "--window-size=1100,2600", "--screenshot="+filepath.Join(out, "run.png"), "file://"+filepath.Join(runDir, "index.html"))
		headless(t, bin, profile, "--window-size=1100,2400", "--screenshot="+filepath.Join(out, "dashboard.png"), "file://"+filepath.Join(filepath.Dir(runDir), "index.html"))
		for _, f := range []string{"run.png", "dashboard.png"} {
			if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 10000 {
				t.Errorf("screenshot %s not written: %v", f, err)
			}
		}
	}
}

// addSeries gives a synthetic run the chart series the campaign writes.
func addSeries(t *testing.T, dir string) {
	t.Helper()
	var conv []string
	for i := 0; i <= 12; i++ {
		conv = append(conv, fmt.Sprintf(`{"t_ms":%d,"a":200,"b":%d,"c":%d}`, i*25, min(200, 140+i*6), min(200, 110+i*9)))
	}
	os.WriteFile(filepath.Join(dir, "phase2.json"), []byte(`{"phase":2,"pass":true,"ok":200,"total_writes":200,"counts":{"a":200,"b":200,"c":200},
"probe1_single_peer_down":"201","probe2_both_peers_down":"503","reasons":[],"convergence_series":[`+strings.Join(conv, ",")+`]}`), 0o644)
	var cyc []string
	var hist strings.Builder
	for _, f := range []string{"kill_node", "partition_minority", "drop_acks", "clock_skew"} {
		for c := 1; c <= 20; c++ {
			cyc = append(cyc, fmt.Sprintf(`{"fault":%q,"cycle":%d,"acked_writes":%d,"fault_duration_ms":%d}`, f, c, 90+(c*7)%10, 200+c*250))
		}
	}
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&hist, "{\"op\":\"invoke\",\"phase\":4,\"proc\":%d,\"t_ms\":%d}\n{\"op\":\"ok\",\"phase\":4,\"proc\":%d,\"t_ms\":%d}\n", i%8, i*10, i%8, i*10+2+(i*i)%37)
	}
	os.WriteFile(filepath.Join(dir, "phase4.json"), []byte(`{"phase":4,"pass":true,"reasons":[],"cycles_per_fault":20,"writes_per_cycle":100,
"convergence_by_fault":{"kill_node":1,"partition_minority":1,"drop_acks":1,"clock_skew":1},"cycles":[`+strings.Join(cyc, ",")+`]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "history-phase4.jsonl"), []byte(hist.String()), 0o644)
}

func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// headless runs one Chromium invocation with no network-facing services and
// a throwaway profile, bounded in time; it returns stdout.
func headless(t *testing.T, bin, profile string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir=" + profile}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

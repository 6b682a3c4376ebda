package soak

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
	"github.com/aimemory/ai-memory/shipgate/render"
)

// The soak is tested against this test binary re-executed as a campaign:
// SOAK_FAKE_PLAN is a comma list, one behaviour per run number.
func TestMain(m *testing.M) {
	if plan := os.Getenv("SOAK_FAKE_PLAN"); plan != "" {
		os.Exit(fakeCampaign(strings.Split(plan, ","), os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeCampaign(plan, args []string) int {
	var id, out string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--campaign-id":
			id = args[i+1]
		case "--out":
			out = args[i+1]
		}
	}
	n, _ := strconv.Atoi(id[strings.LastIndex(id, "-r")+2:])
	mode := plan[(n-1)%len(plan)]
	dir := filepath.Join(out, id)
	r := fixture.Run{ID: id, Version: "0.7.0", BinarySHA256: strings.Repeat("ab", 32), CompletedAt: time.Now().UTC()}
	switch mode {
	case "pass", "pass-exit1":
	case "fail2":
		r.FailPhase = 2
	case "crash":
		return 3 // died before writing anything
	case "hang":
		os.MkdirAll(dir, 0o755)
		time.Sleep(time.Minute)
		return 0
	}
	if err := fixture.Write(dir, r); err != nil {
		return 4
	}
	if mode == "pass-exit1" || mode == "fail2" {
		return 1
	}
	return 0
}

func opts(t *testing.T, root string, runs int, plan string) Options {
	t.Helper()
	t.Setenv("SOAK_FAKE_PLAN", plan)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Runs: runs, StatePath: filepath.Join(root, "soak.json"), OutDir: filepath.Join(root, "runs"),
		Prefix: "soak", Command: []string{exe, "-test.run=^$"}, RunArgs: []string{"--cycles", "2"}}
}

func TestSoakCountsInfraFailuresRed(t *testing.T) {
	root := t.TempDir()
	s, err := Run(context.Background(), opts(t, root, 5, "pass,crash,fail2,pass,pass-exit1"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range s.Records {
		got = append(got, r.Outcome)
	}
	if strings.Join(got, ",") != "PASS,NO EVIDENCE,FAIL,PASS,FAIL" {
		t.Fatalf("outcomes %v", got)
	}
	if s.Passed != 2 || s.Failed != 2 || s.InfraFailures != 1 || s.Pass || s.PassRate != 0.4 {
		t.Fatalf("summary %+v", s)
	}
	if !s.Records[1].Infra || s.Records[1].ExitCode != 3 {
		t.Fatalf("crash record %+v", s.Records[1])
	}
	if !strings.Contains(strings.Join(s.Records[4].Reasons, " "), "exited 1") {
		t.Fatalf("pass with exit 1 not explained: %v", s.Records[4].Reasons)
	}
	// fail2 is a campaign whose node b lacks 34 acknowledged ids.
	if s.LostWritesTotal != 34 || s.P50Seconds <= 0 {
		t.Fatalf("lost %d p50 %v", s.LostWritesTotal, s.P50Seconds)
	}
	for _, f := range []string{render.SoakSummaryFile, render.SoakPageFile, "index.html", "soak-r1/index.html"} {
		if _, err := os.Stat(filepath.Join(root, "runs", f)); err != nil {
			t.Errorf("missing output %s", f)
		}
	}
	page, _ := os.ReadFile(filepath.Join(root, "runs", render.SoakPageFile))
	if !strings.Contains(string(page), `id="badge">FAIL<`) || !strings.Contains(string(page), "1 campaigns produced no evidence") {
		t.Fatal("soak page does not show the red soak and its infrastructure failure")
	}
}

func TestSoakResumes(t *testing.T) {
	root := t.TempDir()
	o := opts(t, root, 2, "pass")
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	first, _ := os.Stat(filepath.Join(root, "runs", "soak-r1", "campaign-summary.json"))
	o.Runs = 3
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Runs != 3 || !s.Pass {
		t.Fatalf("resumed soak %+v", s)
	}
	again, _ := os.Stat(filepath.Join(root, "runs", "soak-r1", "campaign-summary.json"))
	if !again.ModTime().Equal(first.ModTime()) {
		t.Fatal("resume re-ran a recorded campaign")
	}
	// A state from another soak is refused rather than mixed in.
	o.RunArgs = []string{"--cycles", "50"}
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "another --state") {
		t.Fatalf("incompatible state accepted: %v", err)
	}
}

func TestSoakInterruptedRunIsRecordedRed(t *testing.T) {
	root := t.TempDir()
	o := opts(t, root, 2, "hang,pass")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the campaign has started (its directory exists).
		for i := 0; i < 200; i++ {
			if _, err := os.Stat(filepath.Join(root, "runs", "soak-r1")); err == nil {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	if _, err := Run(ctx, o); err == nil {
		t.Fatal("cancelled soak returned no error")
	}
	if time.Since(start) > 20*time.Second {
		t.Fatal("cancellation did not stop the campaign promptly")
	}
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Records[0].Outcome != OutcomeInterrupted || !s.Records[0].Infra || s.Records[1].Outcome != render.OutcomePass {
		t.Fatalf("records %+v", s.Records)
	}
	if s.Pass || s.InfraFailures != 1 {
		t.Fatalf("summary %+v", s)
	}
}

func TestSoakCadence(t *testing.T) {
	root := t.TempDir()
	o := opts(t, root, 3, "pass")
	o.Every = 400 * time.Millisecond
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	gap1 := s.Records[1].StartedAt.Sub(s.Records[0].StartedAt)
	gap2 := s.Records[2].StartedAt.Sub(s.Records[1].StartedAt)
	if gap1 < o.Every || gap2 < o.Every {
		t.Fatalf("runs started %v and %v apart, cadence %v", gap1, gap2, o.Every)
	}
}

func TestSummarizeDriftAndLoss(t *testing.T) {
	st := &State{Runs: 6}
	for i, w := range []float64{10, 10, 11, 12, 15, 16} {
		st.Records = append(st.Records, Record{N: i + 1, Outcome: render.OutcomePass, WallSeconds: w * 2,
			PhaseWall: map[string]float64{"2": w, "4": 20}})
	}
	st.Records[3].LostWrites = 2
	s := Summarize(st)
	if s.PhaseDrift[1].Drift != 0.5 || !s.PhaseDrift[1].OverLimit {
		t.Fatalf("phase 2 drift %+v", s.PhaseDrift[1])
	}
	if s.PhaseDrift[3].Drift != 0 || s.PhaseDrift[3].OverLimit {
		t.Fatalf("phase 4 drift %+v", s.PhaseDrift[3])
	}
	if s.LostWritesTotal != 2 || s.Pass {
		t.Fatalf("lost writes do not fail the soak: %+v", s)
	}
	if s.P50Seconds != 22 || s.P99Seconds != 32 {
		t.Fatalf("p50 %v p99 %v", s.P50Seconds, s.P99Seconds)
	}
}

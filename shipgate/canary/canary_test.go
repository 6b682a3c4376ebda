package canary

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
	"github.com/aimemory/ai-memory/shipgate/report"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// The canary logic is tested against this test binary re-executed as a
// campaign that writes a real fixture run (see package fixture) and plants
// defects into it. CANARY_FAKE maps each planted fault to what the
// campaign does, one "<fault>=<plant>[+<plant>]" per line; a plant is one
// of the plants below, "pass" or "crash".
func TestMain(m *testing.M) {
	if plan := os.Getenv("CANARY_FAKE"); plan != "" {
		os.Exit(fakeCampaign(plan, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// plants turn one check red in a fixture run.
var plants = map[string]func(dir string) error{
	"list": func(dir string) error {
		return fixture.Edit(dir, "phase2.json", func(p *report.Phase2) { p.UnlistedIDs = map[string][]string{"a": {"B0001"}} })
	},
	"probe2": func(dir string) error {
		return fixture.Edit(dir, "phase2.json", func(p *report.Phase2) { p.Probe2 = "201" })
	},
	"roundtrip": func(dir string) error {
		return fixture.Edit(dir, "phase3.json", func(p *report.Phase3) { p.DstCount-- })
	},
	"power-loss-lost": func(dir string) error {
		return fixture.Edit(dir, "phase4.json", func(p *report.Phase4) {
			for i := range p.Cycles {
				if p.Cycles[i].Fault == config.PowerLoss {
					p.Cycles[i].Check.Lost = 1
					p.Cycles[i].Check.Findings = []validate.Finding{{Check: validate.CheckLost, Key: "k1", ID: "x", Node: "c", Detail: "absent"}}
					return
				}
			}
		})
	},
}

func fakeCampaign(plan string, args []string) int {
	flags := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if strings.HasPrefix(args[i], "--") {
			flags[args[i]] = args[i+1]
		}
	}
	nodeArgs := strings.Fields(flags["--node-args"])
	if len(nodeArgs) != 3 || nodeArgs[0] != "--unsafe-fault-injection" || nodeArgs[1] != "--fault" {
		return 6
	}
	if _, failFast := flags["--fail-fast"]; failFast {
		return 7 // every phase must run
	}
	behaviour := "pass"
	for _, entry := range strings.Split(plan, "\n") {
		if k, v, ok := strings.Cut(entry, "="); ok && k == nodeArgs[2] {
			behaviour = v
		}
	}
	if behaviour == "crash" {
		return 2
	}
	cfg := config.Default()
	if f := flags["--faults"]; f != "" {
		cfg.Phase4.Faults = strings.Split(f, ",")
	}
	if n, err := strconv.Atoi(flags["--cycles"]); err == nil {
		cfg.Phase4.Cycles, cfg.Phase4.MinEffectiveCycles = n, 1
	}
	dir := filepath.Join(flags["--out"], flags["--campaign-id"])
	r := fixture.Run{ID: flags["--campaign-id"], Version: "0.7.0", BinarySHA256: strings.Repeat("ab", 32), CompletedAt: time.Now().UTC(), Config: &cfg}
	if err := fixture.Write(dir, r); err != nil {
		return 4
	}
	if behaviour == "pass" {
		return 0
	}
	for _, p := range strings.Split(behaviour, "+") {
		if err := plants[p](dir); err != nil {
			return 5
		}
	}
	fixture.Summarize(dir, nil)
	return 1
}

func runCanaries(t *testing.T, plan string, repeat int, only ...string) (*Summary, string) {
	t.Helper()
	t.Setenv("CANARY_FAKE", plan)
	exe, _ := os.Executable()
	out := filepath.Join(t.TempDir(), "runs", "canary")
	s, err := Run(context.Background(), Options{Only: only, Cycles: 2, Repeat: repeat, OutDir: out, Command: []string{exe, "-test.run=^$"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, SummaryFile)); err != nil {
		t.Fatal("no canary-summary.json")
	}
	return s, out
}

func TestCaughtInDeclaredPhases(t *testing.T) {
	s, out := runCanaries(t, "list-cap-20=list\nskip-fsync=power-loss-lost", 1, "list-cap-20", "skip-fsync")
	if !s.Pass || s.Caught != 2 || s.Total != 2 || s.Commit == "" || len(s.TooWeak) != 0 {
		t.Fatalf("summary %+v", s)
	}
	list, fsync := s.Canaries[0].Attempts[0], s.Canaries[1].Attempts[0]
	if list.Reason != "phase 2: federation.list_complete" || !list.Phases[1].Red || list.Phases[0].Red {
		t.Fatalf("list-cap-20 %+v", list)
	}
	// Restricted to power_loss: the every-class check alone is not red.
	if fsync.Reason != "phase 4: chaos.power_loss.lost" || !fsync.Phases[3].Red || strings.Contains(strings.Join(fsync.Phases[3].Failed, ","), "all_classes") {
		t.Fatalf("skip-fsync %+v", fsync)
	}
	// Asked for 2 cycles, skip-fsync runs the 3 it needs; list-cap-20 the 2.
	for id, want := range map[string]int{fsync.CampaignID: 3, list.CampaignID: 2} {
		var cfg config.Campaign
		b, _ := os.ReadFile(filepath.Join(out, id, report.ConfigFile))
		if json.Unmarshal(b, &cfg) != nil || cfg.Phase4.Cycles != want {
			t.Fatalf("%s ran %d cycles, want %d", id, cfg.Phase4.Cycles, want)
		}
	}
}

func TestGateTooWeak(t *testing.T) {
	cases := []struct {
		name, fault, plan, want string
	}{
		{"bug passes the campaign", "list-cap-20", "pass", "phase 2: none of [federation.list_complete] failed"},
		{"red in the wrong phase", "list-cap-20", "roundtrip", "phase 2: none of"},
		{"red in the right phase through another check", "list-cap-20", "probe2", "failed: [federation.probe2 federation.recorded]"},
		{"chaos-only bug also red in phase 2", "skip-fsync", "power-loss-lost+probe2", "phase 2 should stay green"},
		{"campaign crashed", "list-cap-20", "crash", "no evidence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := runCanaries(t, c.fault+"="+c.plan, 1, c.fault)
			a := s.Canaries[0].Attempts[0]
			if s.Pass || s.Caught != 0 || a.Caught || s.TooWeak[0] != c.fault {
				t.Fatalf("counted as caught: %+v", s)
			}
			if !strings.Contains(a.Reason, c.want) {
				t.Fatalf("reason %q lacks %q", a.Reason, c.want)
			}
		})
	}
}

// TestCatchRate: a canary caught in some of its campaigns only is too weak,
// and the summary says so.
func TestCatchRate(t *testing.T) {
	s, _ := runCanaries(t, "double-count-ack=probe2", 2, "double-count-ack")
	if !s.Pass || s.Canaries[0].Caught != 2 || s.Canaries[0].CatchRate != 1 || s.Repeat != 2 {
		t.Fatalf("2 of 2: %+v", s.Canaries[0])
	}
	s.Canaries[0].Attempts[1].Caught = false
	s.tally()
	if s.Pass || s.Canaries[0].AllCaught || s.Canaries[0].CatchRate != 0.5 || s.TooWeak[0] != "double-count-ack" {
		t.Fatalf("1 of 2 still passes: %+v", s)
	}
}

func TestEveryCanaryDeclaresItsCatch(t *testing.T) {
	if len(All) < 11 {
		t.Fatalf("%d canaries, want at least 11", len(All))
	}
	for _, c := range All {
		if len(c.Catch) == 0 || c.Why == "" {
			t.Fatalf("%s declares no catch", c.Fault)
		}
		for _, k := range c.Catch {
			for _, id := range k.Checks {
				if !strings.HasPrefix(id, []string{"", "functional.", "federation.", "migration.", "chaos."}[k.Phase]) {
					t.Fatalf("%s: check %s is not a phase-%d check", c.Fault, id, k.Phase)
				}
			}
		}
	}
}

func TestUnknownCanary(t *testing.T) {
	_, err := Run(context.Background(), Options{Only: []string{"no-such-bug"}, OutDir: t.TempDir(), Command: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "list-cap-20") {
		t.Fatalf("unknown canary: %v", err)
	}
}

package canary

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
)

// The canary logic is tested against this test binary re-executed as a
// campaign. CANARY_FAKE maps each planted fault to what the campaign
// does with it, one "<fault>=<behaviour>" per line; a behaviour is
// "<phase>:<reason>", "pass" or "crash".
func TestMain(m *testing.M) {
	if plan := os.Getenv("CANARY_FAKE"); plan != "" {
		os.Exit(fakeCampaign(plan, os.Args[1:]))
	}
	os.Exit(m.Run())
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
	fault := nodeArgs[2]
	behaviour := "pass"
	for _, entry := range strings.Split(plan, "\n") {
		if k, v, ok := strings.Cut(entry, "="); ok && k == fault {
			behaviour = v
		}
	}
	r := fixture.Run{ID: flags["--campaign-id"], Version: "0.7.0", BinarySHA256: strings.Repeat("ab", 32), CompletedAt: time.Now().UTC()}
	switch {
	case behaviour == "crash":
		return 2
	case behaviour != "pass":
		phase, reason, _ := strings.Cut(behaviour, ":")
		r.FailPhase = int(phase[0] - '0')
		r.FailReason = reason
	}
	if err := fixture.Write(filepath.Join(flags["--out"], r.ID), r); err != nil {
		return 4
	}
	if r.FailPhase > 0 {
		return 1
	}
	return 0
}

func runCanaries(t *testing.T, plan string, only ...string) *Summary {
	t.Helper()
	t.Setenv("CANARY_FAKE", plan)
	exe, _ := os.Executable()
	out := filepath.Join(t.TempDir(), "runs", "canary")
	s, err := Run(context.Background(), Options{Only: only, Cycles: 3, OutDir: out, Command: []string{exe, "-test.run=^$"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, SummaryFile)); err != nil {
		t.Fatal("no canary-summary.json")
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Fatal("no dashboard over the canary campaigns")
	}
	page, err := os.ReadFile(filepath.Join(filepath.Dir(out), "index.html"))
	if err != nil || !strings.Contains(string(page), `class="canary"`) {
		t.Fatal("dashboard has no canary section")
	}
	return s
}

func TestAllCaught(t *testing.T) {
	plan := strings.Join([]string{
		"cancel-fanout-after-quorum=2:node-b holds 170 of 200 acknowledged ids (need 200); lost ids: 01J",
		"double-count-ack=2:probe2 (b and c down) got 201 , want 503 quorum_not_met",
		"skip-replicate-consolidate=4:kill_node: consolidation diverged on node-c",
		"ack-before-durable=4:kill_node: 3 acknowledged writes lost (n=900, loss rate <= 0.0100 at 95%): 01J",
		"list-cap-20=2:node-a list endpoint omits 180 ids it holds (listed 20): 01J",
	}, "\n")
	s := runCanaries(t, plan)
	if !s.Pass || s.Caught != 5 || s.Total != 5 {
		for _, r := range s.Canaries {
			t.Logf("%s caught=%v %s", r.Name, r.Caught, r.Reason)
		}
		t.Fatalf("summary pass=%v caught %d/%d", s.Pass, s.Caught, s.Total)
	}
	if s.Canaries[4].RedPhases[0] != 2 || !strings.HasPrefix(s.Canaries[4].Reason, "phase 2: node-a list endpoint") {
		t.Fatalf("list-cap-20 result %+v", s.Canaries[4])
	}
}

func TestGateTooWeak(t *testing.T) {
	cases := []struct {
		name, behaviour, want string
	}{
		{"bug passes the campaign", "pass", "passed with the bug planted"},
		{"red in the wrong phase", "3:src_count 1000 dst_count 999, want both 1000", "no reason in phases [2]"},
		{"red in the right phase for another reason", "2:burst sent 100 writes, campaign requires 200", "no reason in phases [2]"},
		{"campaign crashed", "crash", "no evidence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := runCanaries(t, "list-cap-20="+c.behaviour, "list-cap-20")
			if s.Pass || s.Caught != 0 || s.Canaries[0].Caught {
				t.Fatalf("counted as caught: %+v", s.Canaries[0])
			}
			if !strings.Contains(s.Canaries[0].Reason, c.want) {
				t.Fatalf("reason %q lacks %q", s.Canaries[0].Reason, c.want)
			}
		})
	}
}

func TestUnknownCanary(t *testing.T) {
	_, err := Run(context.Background(), Options{Only: []string{"no-such-bug"}, OutDir: t.TempDir(), Command: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "list-cap-20") {
		t.Fatalf("unknown canary: %v", err)
	}
}

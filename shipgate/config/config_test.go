package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsTheIssueCampaign(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := len(c.Phase2.Agents) * c.Phase2.WritesPerAgent; got != 200 {
		t.Fatalf("burst %d, want 200", got)
	}
	if c.Phase3.Memories != 1000 || c.Phase4.MinEffectiveCycles < 25 || len(c.Phase4.Faults) != len(FaultClasses) {
		t.Fatalf("default campaign drifted: %+v", c.Phase4)
	}
	if c.Phase4.MaxLost != 0 || c.Phase2.SettleMax.D() != 90*time.Second {
		t.Fatal("thresholds drifted")
	}
	// The fault range must span the quorum timeout, or no fault outlasts it.
	if c.Phase4.FaultMin >= c.Phase4.QuorumTimeout || c.Phase4.FaultMax <= c.Phase4.QuorumTimeout {
		t.Fatalf("fault range %s..%s does not span the quorum timeout %s", c.Phase4.FaultMin, c.Phase4.FaultMax, c.Phase4.QuorumTimeout)
	}
	if n := len(c.Phase4.Agents) * c.Phase4.InFlightPerAgent; n < 8 {
		t.Fatalf("%d clients, want >= 8", n)
	}
}

func TestLoadOverridesAndRejectsTypos(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"phase4":{"cycles":3,"min_effective_cycles":3,"settle_max":"2s"},"node_args":["--x"]}`), 0o644)
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Phase4.Cycles != 3 || c.Phase4.SettleMax.D() != 2*time.Second || c.Phase4.Keys != 12 || c.NodeArgs[0] != "--x" {
		t.Fatalf("override not applied over defaults: %+v", c.Phase4)
	}
	for name, body := range map[string]string{
		"typo":          `{"phase4":{"cylces":3}}`,
		"bad duration":  `{"deadline":"soon"}`,
		"bad fault":     `{"phase4":{"faults":["meteor_strike"]}}`,
		"bad phase":     `{"phases":[5]}`,
		"zero keys":     `{"phase4":{"keys":0}}`,
		"few effective": `{"phase4":{"cycles":3,"min_effective_cycles":4}}`,
		"bad range":     `{"phase4":{"fault_min":"5s","fault_max":"1s"}}`,
		"timeouts":      `{"node":{"http_timeout":"1s"}}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: accepted %s", name, body)
		}
	}
}

func TestParse(t *testing.T) {
	if f, err := ParseFaults("all"); err != nil || len(f) != len(FaultClasses) {
		t.Fatal(f, err)
	}
	if f, err := ParseFaults("drop_acks, kill_node"); err != nil || len(f) != 2 || f[1] != KillNode {
		t.Fatal(f, err)
	}
	if _, err := ParseFaults("kill"); err == nil {
		t.Fatal("unknown fault accepted")
	}
	if p, err := ParsePhases("4,2,2"); err != nil || len(p) != 2 || p[0] != 2 {
		t.Fatal(p, err)
	}
	if _, err := ParsePhases("0"); err == nil {
		t.Fatal("phase 0 accepted")
	}
}

func TestServeArgsPerPhase(t *testing.T) {
	c := Default()
	c.NodeArgs = []string{"--a"}
	c.PhaseNodeArgs = map[string][]string{"2": {"--unsafe-fault-injection", "--fault", "list-cap-20"}}
	if got := strings.Join(c.ServeArgs(2), " "); got != "--a --unsafe-fault-injection --fault list-cap-20" {
		t.Fatal(got)
	}
	if got := strings.Join(c.ServeArgs(4), " "); got != "--a" {
		t.Fatal(got)
	}
}

func TestMethodologyQuotesLiveValues(t *testing.T) {
	c := Default()
	c.Phase4.Cycles = 7
	c.Phase4.MinBound = 0.99
	var b bytes.Buffer
	if err := WriteMethodology(&b, c); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{"7 cycles each", "bound >=\n0.990", "| power_loss |", "cannot catch", "| `phase4.cycles` | `7` |", "| `phase2.settle_max` | `\"1m30s\"` |", "Not covered"} {
		if !strings.Contains(doc, want) {
			t.Errorf("methodology lacks %q", want)
		}
	}
	// Every knob of the struct appears in the table with a description.
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			t.Errorf("knob without documentation: %s", line)
		}
	}
}

package gate_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
	"github.com/aimemory/ai-memory/shipgate/report"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

type env struct {
	binary   string
	dir      string
	canaries string
	pub      ed25519.PublicKey
	priv     ed25519.PrivateKey
	now      time.Time
	profile  *gate.Profile
}

// setup writes a fake binary, a campaign that tested it (its every
// artifact, history and node dump, judged by the real aggregator) and a
// canary summary of the same commit that caught every planted bug.
func setup(t *testing.T, r fixture.Run) env {
	t.Helper()
	tmp := t.TempDir()
	e := env{binary: filepath.Join(tmp, "ai-memory"), dir: filepath.Join(tmp, "runs", "c1"),
		canaries: filepath.Join(tmp, "runs", "canary", canary.SummaryFile), now: time.Now().UTC()}
	if err := os.WriteFile(e.binary, []byte("\x7fELF fake ai-memory build"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := attest.FileSHA256(e.binary)
	if err != nil {
		t.Fatal(err)
	}
	r.ID, r.Version, r.BinarySHA256, r.Commit = "c1", "0.7.0", sum, commit
	if r.CompletedAt.IsZero() {
		r.CompletedAt = e.now.Add(-time.Hour)
	}
	if err := fixture.Write(e.dir, r); err != nil {
		t.Fatal(err)
	}
	writeCanaries(t, e.canaries, func(*canary.Summary) {})
	e.pub, e.priv, _ = ed25519.GenerateKey(nil)
	return e
}

// writeCanaries writes a canary summary that caught every planted bug on
// commit, after edit.
func writeCanaries(t *testing.T, path string, edit func(*canary.Summary)) {
	t.Helper()
	s := canary.Summary{Pass: true, Total: len(canary.All), Caught: len(canary.All), Repeat: 1, Commit: commit, TooWeak: []string{}}
	for _, c := range canary.All {
		s.Canaries = append(s.Canaries, canary.Result{Name: c.Fault, Caught: 1, CatchRate: 1, AllCaught: true,
			Attempts: []canary.Attempt{{Caught: true, Commit: commit}}})
	}
	edit(&s)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := report.WriteJSON(path, s); err != nil {
		t.Fatal(err)
	}
}

func (e env) sign(t *testing.T) attest.Statement {
	t.Helper()
	st, err := gate.Sign(e.dir, e.priv, gate.SignOptions{Canaries: e.canaries})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e env) allow() (gate.Decision, error) {
	return gate.Allow(gate.Request{Binary: e.binary, Evidence: e.dir, PubKey: e.pub, MaxAge: 24 * time.Hour, Now: e.now, Profile: e.profile})
}

func wantRefused(t *testing.T, err error, substr string) {
	t.Helper()
	if !errors.Is(err, gate.ErrRefused) {
		t.Fatalf("gate allowed the release (err=%v), want refusal mentioning %q", err, substr)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("refusal %q does not mention %q", err, substr)
	}
}

// TestGateAllowsDefaultProfileCampaign: the release profile's campaign,
// green, signed with its canary summary, is allowed.
func TestGateAllowsDefaultProfileCampaign(t *testing.T) {
	e := setup(t, fixture.Run{})
	st := e.sign(t)
	if st.Predicate.Result != attest.ResultPassed {
		t.Fatalf("signed %s; failed: %v", st.Predicate.Result, st.Predicate.FailedTests)
	}
	d, err := e.allow()
	if err != nil {
		t.Fatal(err)
	}
	if d.CampaignID != "c1" || d.Profile != "release default" || len(d.Lowered) != 0 || d.Passed != len(st.Predicate.PassedTests) || d.Passed < 200 ||
		d.Canaries != "11 of 11 canaries caught in 1 campaign(s) each" {
		t.Fatalf("decision %+v", d)
	}
}

// TestGateRefusesSmallCampaign: a --cycles 1 campaign passes its own
// thresholds and is signed PASSED; the gate names the fields below the
// release profile.
func TestGateRefusesSmallCampaign(t *testing.T) {
	c := config.Default()
	c.Phase4.Cycles, c.Phase4.MinEffectiveCycles = 1, 1
	e := setup(t, fixture.Run{Config: &c})
	if st := e.sign(t); st.Predicate.Result != attest.ResultPassed {
		t.Fatalf("small campaign signed %s: %v", st.Predicate.Result, st.Predicate.FailedTests)
	}
	_, err := e.allow()
	wantRefused(t, err, "campaign below the release profile (release default): phase4.cycles 1, profile requires ≥ 30; phase4.min_effective_cycles 1, profile requires ≥ 25")
}

// TestGateRefusesRunsWithServeArguments: extra node arguments can switch
// faults on (or anything else); no release is certified by such a run.
func TestGateRefusesRunsWithServeArguments(t *testing.T) {
	for name, c := range map[string]func(*config.Campaign){
		"node_args":       func(c *config.Campaign) { c.NodeArgs = []string{"--unsafe-fault-injection", "--fault", "list-cap-20"} },
		"phase_node_args": func(c *config.Campaign) { c.PhaseNodeArgs = map[string][]string{"4": {"--sync-interval-ms", "10"}} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default()
			c(&cfg)
			e := setup(t, fixture.Run{Config: &cfg})
			e.sign(t)
			_, err := e.allow()
			wantRefused(t, err, name+" ")
		})
	}
}

func TestGateRefusesLooserThresholds(t *testing.T) {
	cfg := config.Default()
	cfg.Phase4.MaxLost, cfg.Phase4.MinBound, cfg.Phase4.SettleMax = 3, 0.99, config.Duration(time.Minute)
	cfg.Phase4.FaultMax, cfg.Phase2.CrashWrites = config.Duration(time.Second), 1
	e := setup(t, fixture.Run{Config: &cfg})
	e.sign(t)
	_, err := e.allow()
	for _, f := range []string{"phase4.max_lost 3", "phase4.min_bound 0.99", "phase4.settle_max 1m0s", "phase4.fault_max 1s", "phase2.crash_writes 1"} {
		wantRefused(t, err, f)
	}
}

// TestProfileFileLowersAndIsRecorded: only an explicit profile lowers the
// floor, and the decision says what it gave up.
func TestProfileFileLowersAndIsRecorded(t *testing.T) {
	c := config.Default()
	c.Phase4.Cycles, c.Phase4.MinEffectiveCycles = 3, 2
	e := setup(t, fixture.Run{Config: &c})
	e.sign(t)
	path := filepath.Join(t.TempDir(), "reduced.json")
	os.WriteFile(path, []byte(`{"phase4": {"cycles": 3, "min_effective_cycles": 2}}`), 0o644)
	p, err := gate.LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	e.profile = &p
	d, err := e.allow()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Profile, path+" (sha256 ") || strings.Join(d.Lowered, "; ") !=
		"phase4.cycles 3, profile requires ≥ 30; phase4.min_effective_cycles 2, profile requires ≥ 25" {
		t.Fatalf("decision %+v", d)
	}
}

func TestGateRequiresCanaries(t *testing.T) {
	cases := map[string]struct {
		edit func(*canary.Summary)
		want string
	}{
		"one missed": {func(s *canary.Summary) {
			s.Pass, s.Caught, s.TooWeak = false, s.Caught-1, []string{"skip-fsync"}
			s.Canaries[5].AllCaught, s.Canaries[5].Caught = false, 0
		}, "skip-fsync caught in 0 of 1 campaigns"},
		"one not run": {func(s *canary.Summary) { s.Canaries = s.Canaries[:10] }, "rare-ack-before-durable not run"},
		"caught 1 of 2": {func(s *canary.Summary) {
			s.Pass = false
			s.Canaries[0].AllCaught, s.Canaries[0].Attempts = false, append(s.Canaries[0].Attempts, canary.Attempt{Commit: commit})
		}, "cancel-fanout-after-quorum caught in 1 of 2 campaigns"},
		"another commit": {func(s *canary.Summary) { s.Commit = "feedface" }, `the canaries ran commit "feedface"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := setup(t, fixture.Run{})
			writeCanaries(t, e.canaries, c.edit)
			e.sign(t)
			_, err := e.allow()
			wantRefused(t, err, c.want)
		})
	}
	t.Run("none signed", func(t *testing.T) {
		e := setup(t, fixture.Run{})
		e.canaries = ""
		e.sign(t)
		_, err := e.allow()
		wantRefused(t, err, "carries no canary summary")
	})
}

func TestGateRefusesDifferentBinary(t *testing.T) {
	e := setup(t, fixture.Run{})
	e.sign(t)
	os.WriteFile(e.binary, []byte("\x7fELF another build"), 0o755)
	_, err := e.allow()
	wantRefused(t, err, "is not the tested binary")
}

func TestGateRefusesFailedVerdict(t *testing.T) {
	for p := 1; p <= 4; p++ {
		e := setup(t, fixture.Run{FailPhase: p})
		st := e.sign(t)
		if st.Predicate.Result != attest.ResultFailed {
			t.Fatalf("phase %d failure signed as %s", p, st.Predicate.Result)
		}
		_, err := e.allow()
		wantRefused(t, err, "signed verdict is FAILED")
	}
}

func TestGateRefusesMissingPhase(t *testing.T) {
	// The summary lies (overall_pass true) and phase 3 is absent: signing
	// must already record FAILED, and the gate must refuse.
	yes := true
	e := setup(t, fixture.Run{OmitPhase: 3, OverallPass: &yes})
	st := e.sign(t)
	if st.Predicate.Result != attest.ResultFailed {
		t.Fatalf("missing phase signed as %s", st.Predicate.Result)
	}
	_, err := e.allow()
	wantRefused(t, err, "phase3")

	// Defence in depth: even a statement forced to PASSED by a careless
	// signer does not get a run with a missing phase through.
	run, _ := gate.LoadRun(e.dir)
	subject, _ := run.Subject()
	campaign, _ := os.ReadFile(filepath.Join(e.dir, report.ConfigFile))
	canaries, _ := os.ReadFile(e.canaries)
	if _, err := attest.SignRun(e.dir, attest.Verdict{Subject: subject, Pass: true, Passed: []string{"x"}, Campaign: campaign, Canaries: canaries}, e.priv); err != nil {
		t.Fatal(err)
	}
	_, err = e.allow()
	wantRefused(t, err, "phase3.json is missing")
}

func TestGateRefusesMissingPhase1Node(t *testing.T) {
	e := setup(t, fixture.Run{})
	os.Remove(filepath.Join(e.dir, "phase1-node-c.json"))
	e.sign(t)
	_, err := e.allow()
	wantRefused(t, err, "FAILED")
}

func TestGateRefusesUnsignedRun(t *testing.T) {
	e := setup(t, fixture.Run{})
	_, err := e.allow()
	wantRefused(t, err, "not signed")
}

func TestGateRefusesWrongKey(t *testing.T) {
	e := setup(t, fixture.Run{})
	e.sign(t)
	e.pub, _, _ = ed25519.GenerateKey(nil)
	_, err := e.allow()
	wantRefused(t, err, "signature does not verify")
}

func TestGateRefusesStaleRun(t *testing.T) {
	e := setup(t, fixture.Run{CompletedAt: time.Now().UTC().Add(-25 * time.Hour)})
	e.sign(t)
	_, err := e.allow()
	wantRefused(t, err, "stale")
}

func TestGateRefusesFutureRun(t *testing.T) {
	e := setup(t, fixture.Run{CompletedAt: time.Now().UTC().Add(2 * time.Hour)})
	e.sign(t)
	_, err := e.allow()
	wantRefused(t, err, "in the future")
}

func TestGateRefusesEditedArtifact(t *testing.T) {
	e := setup(t, fixture.Run{})
	e.sign(t)
	p := filepath.Join(e.dir, "phase2.json")
	b, _ := os.ReadFile(p)
	// Change one byte of a measured count: 200 → 201.
	i := strings.Index(string(b), "200")
	b[i+2] = '1'
	os.WriteFile(p, b, 0o644)
	_, err := e.allow()
	wantRefused(t, err, "changed phase2.json")
}

// TestGateRecomputesVerdict: a run whose files all say pass but whose raw
// evidence disagrees (a history that acknowledges fewer writes) is signed
// FAILED, and a statement forced to PASSED is still refused.
func TestGateRecomputesVerdict(t *testing.T) {
	e := setup(t, fixture.Run{})
	h := filepath.Join(e.dir, "history-phase2.jsonl")
	b, _ := os.ReadFile(h)
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(h, []byte(strings.Join(lines[2:], "")), 0o644)
	if st := e.sign(t); st.Predicate.Result != attest.ResultFailed {
		t.Fatalf("unbacked run signed %s", st.Predicate.Result)
	}
	trusting := func(string) ([]string, error) { return nil, nil }
	if _, err := gate.Sign(e.dir, e.priv, gate.SignOptions{Recompute: trusting, Canaries: e.canaries}); err != nil {
		t.Fatal(err)
	}
	_, err := e.allow()
	wantRefused(t, err, "recomputed verdict is not a pass")
	wantRefused(t, err, "federation.history")
}

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
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/gate/fixture"
)

type env struct {
	binary string
	dir    string
	pub    ed25519.PublicKey
	priv   ed25519.PrivateKey
	now    time.Time
}

// setup writes a fake binary and a synthetic run that tested it.
func setup(t *testing.T, r fixture.Run) env {
	t.Helper()
	tmp := t.TempDir()
	e := env{binary: filepath.Join(tmp, "ai-memory"), dir: filepath.Join(tmp, "runs", "c1"), now: time.Now().UTC()}
	if err := os.WriteFile(e.binary, []byte("\x7fELF fake ai-memory build"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := attest.FileSHA256(e.binary)
	if err != nil {
		t.Fatal(err)
	}
	r.ID, r.Version, r.BinarySHA256 = "c1", "0.7.0", sum
	if r.CompletedAt.IsZero() {
		r.CompletedAt = e.now.Add(-time.Hour)
	}
	if err := fixture.Write(e.dir, r); err != nil {
		t.Fatal(err)
	}
	e.pub, e.priv, _ = ed25519.GenerateKey(nil)
	return e
}

// verdictsOnly stands in for the aggregator on synthetic runs, which carry
// verdicts but not the raw measurements (histories, id sets) the aggregator
// recomputes them from. The real aggregator is exercised by
// TestGateRecomputesVerdict.
func verdictsOnly(string) ([]string, error) { return nil, nil }

func (e env) sign(t *testing.T) attest.Statement {
	t.Helper()
	st, err := gate.Sign(e.dir, e.priv, verdictsOnly)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e env) allow() (gate.Decision, error) {
	return gate.Allow(gate.Request{Binary: e.binary, Evidence: e.dir, PubKey: e.pub, MaxAge: 24 * time.Hour, Now: e.now, Recompute: verdictsOnly})
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

func TestGateAllowsSignedPassingRun(t *testing.T) {
	e := setup(t, fixture.Run{})
	st := e.sign(t)
	if st.Predicate.Result != attest.ResultPassed {
		t.Fatalf("signed %s; failed: %v", st.Predicate.Result, st.Predicate.FailedTests)
	}
	d, err := e.allow()
	if err != nil {
		t.Fatal(err)
	}
	// 3 nodes × 6 phase-1 checks + 3 counts + 3 missing-id + 2 probes + 4 phase-3 + 4 classes.
	if d.Passed != 34 || d.CampaignID != "c1" {
		t.Fatalf("decision %+v", d)
	}
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
	if _, err := attest.SignRun(e.dir, attest.Verdict{Subject: subject, Pass: true, Passed: []string{"x"}}, e.priv); err != nil {
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

// TestGateRecomputesVerdict: a run whose files all say pass, signed PASSED,
// is still refused when the campaign's aggregator cannot back the verdict
// with measurements (here: no config, provenance, run record or histories).
func TestGateRecomputesVerdict(t *testing.T) {
	e := setup(t, fixture.Run{})
	e.sign(t)
	_, err := gate.Allow(gate.Request{Binary: e.binary, Evidence: e.dir, PubKey: e.pub, MaxAge: 24 * time.Hour, Now: e.now})
	wantRefused(t, err, "recomputed verdict is not a pass")
	wantRefused(t, err, "run-meta.json")

	// And signing with the aggregator records FAILED for the same run.
	st, err := gate.Sign(e.dir, e.priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Predicate.Result != attest.ResultFailed {
		t.Fatalf("unbacked run signed %s", st.Predicate.Result)
	}
}

package gate

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Subject names the tested binary as recorded by the campaign summary.
func (r *Run) Subject() (attest.ResourceDescriptor, error) {
	if r.Summary == nil {
		return attest.ResourceDescriptor{}, fmt.Errorf("cannot name the tested binary: %s", r.SummaryErr)
	}
	name, sum := summaryBinary(r.Summary)
	if len(sum) != 64 {
		return attest.ResourceDescriptor{}, fmt.Errorf("%s records no binary sha256", report.SummaryFile)
	}
	if name == "" {
		name = "ai-memory"
	}
	return attest.ResourceDescriptor{Name: name, Digest: map[string]string{"sha256": sum}}, nil
}

// SignOptions are what a signature carries besides the run's files.
type SignOptions struct {
	// Recompute re-judges the run; nil means Aggregate.
	Recompute Recompute
	// Canaries is the canary summary of the same commit, signed alongside
	// the verdict ("" signs without one, which the gate refuses).
	Canaries string
}

// Sign writes the run's verdict envelope. The verdict is derived from the
// evidence strictly (the same rules as the page and the gate) and from the
// recomputed verdict, never taken from the summary's overall_pass alone.
// The campaign configuration and the canary summary ride in the signed
// predicate, each with its digest.
func Sign(dir string, priv ed25519.PrivateKey, o SignOptions) (attest.Statement, error) {
	run, err := LoadRun(dir)
	if err != nil {
		return attest.Statement{}, err
	}
	subject, err := run.Subject()
	if err != nil {
		return attest.Statement{}, err
	}
	var canaries []byte
	if o.Canaries != "" {
		if canaries, err = os.ReadFile(o.Canaries); err != nil {
			return attest.Statement{}, err
		}
	}
	campaign, _ := os.ReadFile(filepath.Join(dir, report.ConfigFile)) // absent: the gate refuses
	passed, failed := run.TestNames()
	recomputed := recomputeReasons(dir, o.Recompute)
	for _, why := range recomputed {
		failed = append(failed, "recomputed: "+why)
	}
	return attest.SignRun(dir, attest.Verdict{
		Subject:  subject,
		Pass:     run.Pass() && len(recomputed) == 0,
		Passed:   passed,
		Failed:   failed,
		Campaign: campaign,
		Canaries: canaries,
	}, priv)
}

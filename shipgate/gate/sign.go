package gate

import (
	"crypto/ed25519"
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/attest"
)

// Subject names the tested binary as recorded by the campaign summary.
func (r *Run) Subject() (attest.ResourceDescriptor, error) {
	if r.Summary == nil {
		return attest.ResourceDescriptor{}, fmt.Errorf("cannot name the tested binary: %s", r.SummaryErr)
	}
	name, sum := summaryBinary(r.Summary)
	if len(sum) != 64 {
		return attest.ResourceDescriptor{}, fmt.Errorf("%s records no binary sha256", SummaryFile)
	}
	if name == "" {
		name = "ai-memory"
	}
	return attest.ResourceDescriptor{Name: name, Digest: map[string]string{"sha256": sum}}, nil
}

// Sign writes the run's verdict envelope. The verdict is derived from the
// evidence strictly (the same rules as the page and the gate) and from the
// recomputed verdict (nil rc: Aggregate), never taken from the summary's
// overall_pass alone.
func Sign(dir string, priv ed25519.PrivateKey, rc Recompute) (attest.Statement, error) {
	run, err := LoadRun(dir)
	if err != nil {
		return attest.Statement{}, err
	}
	subject, err := run.Subject()
	if err != nil {
		return attest.Statement{}, err
	}
	passed, failed := run.TestNames()
	recomputed := recomputeReasons(dir, rc)
	for _, why := range recomputed {
		failed = append(failed, "recomputed: "+why)
	}
	return attest.SignRun(dir, attest.Verdict{
		Subject: subject,
		Pass:    run.Pass() && len(recomputed) == 0,
		Passed:  passed,
		Failed:  failed,
	}, priv)
}

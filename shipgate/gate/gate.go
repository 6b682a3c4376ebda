package gate

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/attest"
)

// ErrRefused wraps every reason the gate refuses a release.
var ErrRefused = errors.New("release refused")

// clockSlack tolerates small clock differences between the campaign host
// and the gate host before a completed_at counts as "in the future".
const clockSlack = 5 * time.Minute

// Request is one release decision.
type Request struct {
	Binary   string            // the binary about to be released
	Evidence string            // runs/<id>
	PubKey   ed25519.PublicKey // the release signing key
	MaxAge   time.Duration     // evidence older than this is stale
	Now      time.Time         // zero means time.Now()
	// Recompute re-judges the run from its measurements; nil means
	// Aggregate, the campaign's own aggregator.
	Recompute Recompute
	// Profile is the least campaign that may certify; nil means the
	// release profile. Only an explicit profile file may lower it.
	Profile *Profile
}

// Decision is what the gate established when it allowed the release.
type Decision struct {
	CampaignID  string
	Digest      string
	CompletedAt time.Time
	Passed      int // checks that passed
	Profile     string
	Lowered     []string // what the profile gave up against the release profile
	Canaries    string
}

// Allow returns nil error only when every condition holds: the signature
// verifies and covers every artifact unchanged, the signed subject is this
// exact binary, the signed result is PASSED, the signed campaign is the
// run's and reaches the profile, the signed canary summary shows every
// planted bug caught on the same commit, every phase (and every phase-1
// node) is present and passed, the verdict recomputed from the measured
// values agrees, and the evidence is fresh.
func Allow(req Request) (Decision, error) {
	var d Decision
	refuse := func(format string, args ...any) (Decision, error) {
		return d, fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
	}
	if req.MaxAge <= 0 {
		return refuse("max age must be positive, got %v", req.MaxAge)
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	st, err := attest.VerifyRun(req.Evidence, req.PubKey)
	if err != nil {
		return refuse("%v", err)
	}
	digest, err := attest.FileSHA256(req.Binary)
	if err != nil {
		return refuse("cannot hash binary: %v", err)
	}
	d.Digest = digest
	if signed := st.Subject[0].SHA256(); signed != digest {
		return refuse("binary sha256 %s is not the tested binary %s (%s)", digest, signed, st.Subject[0].Name)
	}
	if st.Predicate.Result != attest.ResultPassed {
		return refuse("signed verdict is %s: %s", st.Predicate.Result, strings.Join(st.Predicate.FailedTests, ", "))
	}
	profile := ReleaseProfile()
	if req.Profile != nil {
		profile = *req.Profile
	}
	d.Profile, d.Lowered = profile.Source, profile.Lowered()
	cfg, err := signedCampaign(req.Evidence, st.Predicate)
	if err != nil {
		return refuse("%v", err)
	}
	if below := profile.Below(cfg); len(below) > 0 {
		return refuse("campaign below the release profile (%s): %s", profile.Source, strings.Join(below, "; "))
	}
	if d.Canaries, err = checkCanaries(req.Evidence, st.Predicate); err != nil {
		return refuse("%v", err)
	}
	run, err := LoadRun(req.Evidence)
	if err != nil {
		return refuse("%v", err)
	}
	d.CampaignID = run.ID
	if fails := run.Failures(); len(fails) > 0 {
		return refuse("evidence is not a pass: %s", strings.Join(fails, "; "))
	}
	if why := recomputeReasons(req.Evidence, req.Recompute); len(why) > 0 {
		return refuse("recomputed verdict is not a pass: %s", strings.Join(why, "; "))
	}
	if run.CompletedAt.IsZero() {
		return refuse("campaign summary has no valid completed_at")
	}
	d.CompletedAt = run.CompletedAt
	if age := now.Sub(run.CompletedAt); age > req.MaxAge {
		return refuse("evidence is stale: completed %s ago (max %s)", age.Round(time.Second), req.MaxAge)
	}
	if run.CompletedAt.After(now.Add(clockSlack)) {
		return refuse("completed_at %s is in the future", run.CompletedAt.Format(time.RFC3339))
	}
	d.Passed = len(st.Predicate.PassedTests)
	return d, nil
}

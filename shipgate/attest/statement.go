package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// in-toto identifiers this package emits and accepts.
const (
	StatementType      = "https://in-toto.io/Statement/v1"
	TestResultPredType = "https://in-toto.io/attestation/test-result/v0.1"

	ResultPassed = "PASSED"
	ResultFailed = "FAILED"
)

// Statement is an in-toto Statement v1 carrying a test-result predicate.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     TestResult           `json:"predicate"`
}

// ResourceDescriptor names a file by its digest.
type ResourceDescriptor struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// TestResult is the test-result/v0.1 predicate. Configuration lists every
// evidence artifact of the run by digest, which is what lets verify detect
// an edited, missing or added file.
type TestResult struct {
	Result        string               `json:"result"`
	PassedTests   []string             `json:"passedTests"`
	FailedTests   []string             `json:"failedTests"`
	Configuration []ResourceDescriptor `json:"configuration"`
	// Campaign is the campaign configuration the run used, verbatim, and
	// the sha256 of those bytes: the gate judges the campaign's size and
	// thresholds from the signed copy.
	Campaign       json.RawMessage   `json:"campaign,omitempty"`
	CampaignDigest map[string]string `json:"campaignDigest,omitempty"`
	// Canaries is the canary summary signed alongside the verdict, and its
	// sha256: the proof that this gate turned red on every planted bug.
	Canaries       json.RawMessage   `json:"canaries,omitempty"`
	CanariesDigest map[string]string `json:"canariesDigest,omitempty"`
}

// Embedded is a document carried in the predicate with its digest.
type Embedded struct {
	Raw    json.RawMessage
	Digest map[string]string
}

// Embed returns raw as the statement will carry it (encoding/json
// compacts an embedded document) with the sha256 of those bytes, or
// nothing for raw that is empty or not JSON.
func Embed(raw []byte) Embedded {
	b, err := json.Marshal(json.RawMessage(raw))
	if len(raw) == 0 || err != nil {
		return Embedded{}
	}
	sum := sha256.Sum256(b)
	return Embedded{Raw: b, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}
}

// Verify checks that raw is present and matches its digest.
func (e Embedded) Verify(what string) error {
	if len(e.Raw) == 0 {
		return fmt.Errorf("the signed verdict carries no %s", what)
	}
	sum := sha256.Sum256(e.Raw)
	if got := hex.EncodeToString(sum[:]); got != e.Digest["sha256"] {
		return fmt.Errorf("the signed %s has sha256 %s, its digest says %s", what, got, e.Digest["sha256"])
	}
	return nil
}

// SHA256 returns d's sha256 digest, or "" when absent.
func (d ResourceDescriptor) SHA256() string { return d.Digest["sha256"] }

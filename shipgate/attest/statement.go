package attest

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
}

// SHA256 returns d's sha256 digest, or "" when absent.
func (d ResourceDescriptor) SHA256() string { return d.Digest["sha256"] }

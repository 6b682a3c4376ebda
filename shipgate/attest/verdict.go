package attest

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

var (
	// ErrUnsigned means the run has no verdict envelope.
	ErrUnsigned = errors.New("run is not signed")
	// ErrArtifactMismatch means the run's files differ from the signed list.
	ErrArtifactMismatch = errors.New("artifacts differ from the signed verdict")
)

// Verdict is what the caller derived from the campaign summary.
type Verdict struct {
	Subject  ResourceDescriptor // the tested ai-memory binary
	Pass     bool               // the campaign's overall_pass
	Passed   []string           // check names, e.g. "phase2/convergence"
	Failed   []string
	Campaign []byte // campaign-config.json verbatim
	Canaries []byte // the canary summary of the same commit, verbatim
}

// NewStatement builds the Statement for a run whose artifacts are given.
// The result is PASSED only when the campaign passed, no check failed and at
// least one check passed: an empty run can never be signed as a pass.
func NewStatement(v Verdict, artifacts []ResourceDescriptor) (Statement, error) {
	if v.Subject.Name == "" || len(v.Subject.SHA256()) != 64 {
		return Statement{}, memory.Errorf(memory.CodeInvalid, "subject needs a name and a sha256 digest, got %q %q", v.Subject.Name, v.Subject.SHA256())
	}
	result := ResultFailed
	if v.Pass && len(v.Failed) == 0 && len(v.Passed) > 0 {
		result = ResultPassed
	}
	campaign, canaries := Embed(v.Campaign), Embed(v.Canaries)
	return Statement{
		Type:          StatementType,
		Subject:       []ResourceDescriptor{v.Subject},
		PredicateType: TestResultPredType,
		Predicate: TestResult{
			Result:         result,
			PassedTests:    nonNil(v.Passed),
			FailedTests:    nonNil(v.Failed),
			Configuration:  artifacts,
			Campaign:       campaign.Raw,
			CampaignDigest: campaign.Digest,
			Canaries:       canaries.Raw,
			CanariesDigest: canaries.Digest,
		},
	}, nil
}

// SignRun hashes every artifact of dir and writes dir/verdict.dsse.json.
func SignRun(dir string, v Verdict, priv ed25519.PrivateKey) (Statement, error) {
	artifacts, err := HashArtifacts(dir)
	if err != nil {
		return Statement{}, err
	}
	if len(artifacts) == 0 {
		return Statement{}, memory.Errorf(memory.CodeInvalid, "%s holds no artifacts to sign", dir)
	}
	st, err := NewStatement(v, artifacts)
	if err != nil {
		return Statement{}, err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return Statement{}, err
	}
	out, err := MarshalEnvelope(SignEnvelope(PayloadType, body, priv))
	if err != nil {
		return Statement{}, err
	}
	return st, writeFileAtomic(filepath.Join(dir, VerdictFile), out)
}

// VerifyRun checks dir/verdict.dsse.json under pub, then re-hashes the run
// and fails on any changed, missing or added artifact. It returns the
// verified Statement.
func VerifyRun(dir string, pub ed25519.PublicKey) (Statement, error) {
	raw, err := os.ReadFile(filepath.Join(dir, VerdictFile))
	if errors.Is(err, os.ErrNotExist) {
		return Statement{}, fmt.Errorf("%w: %s has no %s", ErrUnsigned, dir, VerdictFile)
	}
	if err != nil {
		return Statement{}, err
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Statement{}, fmt.Errorf("%s: %w", VerdictFile, err)
	}
	if env.PayloadType != PayloadType {
		return Statement{}, fmt.Errorf("payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	body, err := VerifyEnvelope(env, pub)
	if err != nil {
		return Statement{}, err
	}
	var st Statement
	if err := json.Unmarshal(body, &st); err != nil {
		return Statement{}, fmt.Errorf("signed payload is not a statement: %w", err)
	}
	if st.Type != StatementType || st.PredicateType != TestResultPredType {
		return Statement{}, fmt.Errorf("statement %q / predicate %q is not an in-toto test result", st.Type, st.PredicateType)
	}
	if len(st.Subject) != 1 {
		return Statement{}, fmt.Errorf("statement has %d subjects, want 1", len(st.Subject))
	}
	now, err := HashArtifacts(dir)
	if err != nil {
		return Statement{}, err
	}
	if diffs := diffArtifacts(st.Predicate.Configuration, now); len(diffs) > 0 {
		return Statement{}, fmt.Errorf("%w: %s", ErrArtifactMismatch, strings.Join(diffs, "; "))
	}
	return st, nil
}

// diffArtifacts lists every difference between the signed and current sets.
func diffArtifacts(signed, now []ResourceDescriptor) []string {
	cur := make(map[string]string, len(now))
	for _, a := range now {
		cur[a.Name] = a.SHA256()
	}
	var diffs []string
	seen := make(map[string]bool, len(signed))
	for _, a := range signed {
		seen[a.Name] = true
		got, ok := cur[a.Name]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+a.Name)
		case got != a.SHA256():
			diffs = append(diffs, "changed "+a.Name)
		}
	}
	for _, a := range now {
		if !seen[a.Name] {
			diffs = append(diffs, "added "+a.Name)
		}
	}
	return diffs
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

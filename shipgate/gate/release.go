package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// signedCampaign returns the campaign the signed predicate carries, after
// checking its digest and that it is the run's own campaign-config.json.
func signedCampaign(dir string, p attest.TestResult) (config.Campaign, error) {
	var c config.Campaign
	e := attest.Embedded{Raw: p.Campaign, Digest: p.CampaignDigest}
	if err := e.Verify("campaign"); err != nil {
		return c, err
	}
	file, err := os.ReadFile(filepath.Join(dir, report.ConfigFile))
	if err != nil {
		return c, err
	}
	if attest.Embed(file).Digest["sha256"] != e.Digest["sha256"] {
		return c, fmt.Errorf("the signed campaign is not the run's %s", report.ConfigFile)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("the signed campaign does not parse: %w", err)
	}
	return c, nil
}

// checkCanaries requires the signed canary summary to show the gate
// catching every planted bug it knows, in every campaign, on the commit
// the campaign tested.
func checkCanaries(dir string, p attest.TestResult) (string, error) {
	e := attest.Embedded{Raw: p.Canaries, Digest: p.CanariesDigest}
	if err := e.Verify("canary summary"); err != nil {
		return "", err
	}
	var s canary.Summary
	if err := json.Unmarshal(e.Raw, &s); err != nil {
		return "", fmt.Errorf("the signed canary summary does not parse: %w", err)
	}
	var prov report.Provenance
	b, err := os.ReadFile(filepath.Join(dir, report.ProvenanceFile))
	if err == nil {
		err = json.Unmarshal(b, &prov)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", report.ProvenanceFile, err)
	}
	commit := prov.BinaryVCSRevision
	if commit == "" {
		commit = prov.GitCommit
	}
	if s.Commit == "" || s.Commit != commit {
		return "", fmt.Errorf("the canaries ran commit %q, the campaign tested %q %s", s.Commit, commit, s.Mixed)
	}
	var weak []string
	for _, c := range canary.All {
		i := -1
		for j, r := range s.Canaries {
			if r.Name == c.Fault {
				i = j
			}
		}
		switch {
		case i < 0:
			weak = append(weak, c.Fault+" not run")
		case !s.Canaries[i].AllCaught:
			weak = append(weak, fmt.Sprintf("%s caught in %d of %d campaigns", c.Fault, s.Canaries[i].Caught, len(s.Canaries[i].Attempts)))
		}
	}
	if len(weak) > 0 || !s.Pass {
		return "", fmt.Errorf("the canaries do not show the gate catching every planted bug: %s", orPass(weak, s.Pass))
	}
	return fmt.Sprintf("%d of %d canaries caught in %d campaign(s) each", s.Caught, s.Total, s.Repeat), nil
}

func orPass(weak []string, pass bool) string {
	if len(weak) == 0 && !pass {
		return "the summary is not a pass"
	}
	return strings.Join(weak, "; ")
}

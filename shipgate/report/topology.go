package report

import (
	"fmt"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// SharedPostgresConfigFile is the shared-postgres campaign's settings,
// written beside its artifact: its thresholds judge it again.
const SharedPostgresConfigFile = "shared-postgres-config.json"

// TopologyStatus is the strict status of a topology certified beside (or
// instead of) the federated phases.
type TopologyStatus struct {
	Topology    string   `json:"topology"`
	Status      string   `json:"status"` // PASS or FAIL
	Pass        bool     `json:"pass"`
	Reasons     []string `json:"reasons"` // of the failing checks
	Checks      []Check  `json:"checks"`
	WallSeconds float64  `json:"wall_seconds"`
}

// JudgeSharedPostgres judges dir's shared-postgres.json again, against
// the thresholds of its shared-postgres-config.json: every rule of
// VerdictShared recomputed from the measured values, the artifact's own
// verdict required to agree, and a missing, empty or unparsable artifact
// or config a failure.
func JudgeSharedPostgres(dir string) (ts TopologyStatus) {
	ts = TopologyStatus{Topology: config.TopologySharedPostgres, Status: "FAIL"}
	defer func() { // on every return: the status follows the checks
		ts.Reasons = Reasons(ts.Checks)
		if ts.Pass = Passed(ts.Checks) && len(ts.Checks) > 0; ts.Pass {
			ts.Status = "PASS"
		}
	}()
	c := config.DefaultSharedPostgres(config.Default())
	err := readStrict(filepath.Join(dir, SharedPostgresConfigFile), &c)
	ts.Checks = append(ts.Checks, holds("shared_postgres.config", SharedPostgresConfigFile+" present (its thresholds judge the run)", err == nil,
		fmt.Sprintf("%v (judged against default thresholds)", err)))
	var a SharedPostgres
	_, err = readRaw(filepath.Join(dir, SharedPostgresFile), &a)
	if err != nil {
		ts.Checks = append(ts.Checks, Check{ID: "shared_postgres.artifact", Name: SharedPostgresFile, Measured: err.Error(), Threshold: "present and parsable"})
		return ts
	}
	ts.WallSeconds = a.WallSeconds
	ts.Checks = append(ts.Checks, holds("shared_postgres.topology", "the artifact names its topology ("+config.TopologySharedPostgres+")",
		a.Topology == config.TopologySharedPostgres, fmt.Sprintf("%q", a.Topology)))
	reasons := VerdictShared(&a, c)
	rules := holds("shared_postgres.rules", "every shared-postgres rule holds (functional, burst, chaos classes, no write acknowledged or left unanswered while the database was out of reach, throughput measured)",
		len(reasons) == 0, fmt.Sprint(reasons))
	ts.Checks = append(ts.Checks, rules, inTime("shared_postgres", a.Timing),
		recorded("shared_postgres", SharedPostgresFile, Judged{Pass: a.Pass, Reasons: a.Reasons}, rules.Pass && !a.TimedOut))
	return ts
}

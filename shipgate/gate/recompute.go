package gate

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/phases"
)

// Recompute re-judges a run from its measured values and returns every
// reason it is not a pass (none means pass). Signing and the gate both
// require it, so a phase file that says pass:true without the numbers to
// back it cannot be signed green or released.
type Recompute func(dir string) ([]string, error)

// Aggregate is the campaign's own fail-closed aggregator: verdicts
// recomputed from measured values, histories cross-checked, config and
// provenance required.
func Aggregate(dir string) ([]string, error) {
	s, err := phases.Aggregate(dir)
	if err != nil {
		return nil, err
	}
	if s.OverallPass {
		return nil, nil
	}
	if len(s.Reasons) == 0 {
		return []string{"aggregate says overall_pass is false"}, nil
	}
	return s.Reasons, nil
}

func recomputeReasons(dir string, rc Recompute) []string {
	if rc == nil {
		rc = Aggregate
	}
	reasons, err := rc(dir)
	if err != nil {
		return []string{fmt.Sprintf("cannot recompute the verdict: %v", err)}
	}
	return reasons
}

package report

import (
	"fmt"
	"strconv"
)

// Check is one assertion of a verdict: what was measured against what.
// ID is stable across runs and names the rule (in phase 4 with its fault
// class, "chaos.power_loss.lost"), so canaries, tests and the gate match
// on it and never on message text; Name and Measured are for people.
type Check struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Measured  string `json:"measured"`
	Threshold string `json:"threshold"`
	Pass      bool   `json:"pass"`
}

// Reason is how a failing check reads in a list of failure reasons: its
// ID first, so a reason can be traced to its rule.
func (c Check) Reason() string {
	return fmt.Sprintf("%s: %s: %s (want %s)", c.ID, c.Name, c.Measured, c.Threshold)
}

// Reasons are the failure reasons of a verdict: one per failing check, so
// a reason can never exist without the check that produced it.
func Reasons(cs []Check) []string {
	out := []string{}
	for _, c := range cs {
		if !c.Pass {
			out = append(out, c.Reason())
		}
	}
	return out
}

// FailedIDs lists the IDs of the failing checks, in order, each once.
func FailedIDs(cs []Check) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !c.Pass && !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c.ID)
		}
	}
	return out
}

// Passed reports whether every check passed and there is at least one.
func Passed(cs []Check) bool { return len(cs) > 0 && len(FailedIDs(cs)) == 0 }

func atLeast(id, name string, got, min int) Check {
	return Check{ID: id, Name: name, Pass: got >= min, Measured: strconv.Itoa(got), Threshold: "≥ " + strconv.Itoa(min)}
}

func atMost(id, name string, got, max int) Check {
	return Check{ID: id, Name: name, Pass: got <= max, Measured: strconv.Itoa(got), Threshold: "≤ " + strconv.Itoa(max)}
}

func equal(id, name string, got, want int) Check {
	return Check{ID: id, Name: name, Pass: got == want, Measured: strconv.Itoa(got), Threshold: "= " + strconv.Itoa(want)}
}

// holds is a yes/no check; whyNot says what was seen when it does not
// hold ("no" when empty).
func holds(id, name string, ok bool, whyNot string) Check {
	measured := "yes"
	if !ok {
		measured = whyNot
		if measured == "" {
			measured = "no"
		}
	}
	return Check{ID: id, Name: name, Pass: ok, Measured: measured, Threshold: "yes"}
}

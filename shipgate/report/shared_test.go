package report

import (
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// A shared-postgres run is red when a write was acknowledged, or left
// unanswered, while the database was out of reach, and green otherwise.
func TestVerdictSharedJudgesUnreachableDatabase(t *testing.T) {
	c := config.DefaultSharedPostgres(config.Default())
	c.Chaos.Faults = nil // judged elsewhere (Classes); only the shared rules here
	green := func() *SharedPostgres {
		return &SharedPostgres{
			Functional: SharedFunctional{VisibleOn: []string{"a", "b", "c"}, RestartSurvival: true},
			Burst:      SharedBurst{OK: 10, Killed: "c", Restarted: true, Identical: true},
			Chaos:      &Phase4{}, Refused: map[string]int{"db_stop/1": 0}, Unanswered: map[string]int{"db_partition/1": 0},
		}
	}
	if r := VerdictShared(green(), c); len(r) != 0 {
		t.Fatalf("green run judged red: %v", r)
	}
	r := green()
	r.Refused["db_stop/1"] = 2
	if got := strings.Join(VerdictShared(r, c), "|"); !strings.Contains(got, "db_stop/1: 2 writes acknowledged while the database was out of reach") {
		t.Fatalf("acknowledged while down not flagged: %s", got)
	}
	r = green()
	r.Unanswered["db_partition/1"] = 1
	if got := strings.Join(VerdictShared(r, c), "|"); !strings.Contains(got, "got no answer") {
		t.Fatalf("hung node not flagged: %s", got)
	}
	r = green()
	r.Burst.Missing = map[string][]string{"b": {"x"}}
	r.Burst.Identical = false
	if len(VerdictShared(r, c)) != 2 {
		t.Fatalf("burst loss not flagged: %v", VerdictShared(r, c))
	}
}

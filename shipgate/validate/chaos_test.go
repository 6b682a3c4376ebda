package validate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Every int field of Report is a counter in the table, so Add sums it.
func TestAddSumsEveryCounter(t *testing.T) {
	var one Report
	v := reflect.ValueOf(&one).Elem()
	ints := 0
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.Int {
			v.Field(i).SetInt(1)
			ints++
		}
	}
	if ints != len(counters) {
		t.Fatalf("Report has %d counters, the table lists %d", ints, len(counters))
	}
	var sum Report
	sum.Add(one)
	sum.Add(one)
	s := reflect.ValueOf(sum)
	for i := range s.NumField() {
		if f := s.Field(i); f.Kind() == reflect.Int && f.Int() != 2 {
			t.Errorf("%s = %d after adding 1 twice", s.Type().Field(i).Name, f.Int())
		}
	}
}

func TestViolationsCountOnlyViolations(t *testing.T) {
	r := Report{AckedWrites: 100, AckedDeletes: 10, AckedLinks: 10, Reads: 100,
		DeleteSuperseded: 3, Unknown: 5, UnknownRecovered: 2}
	if r.Violations() != 0 {
		t.Fatalf("informational counters counted: %d", r.Violations())
	}
	r = Report{Lost: 1, Diverged: 1, DeleteNotPropagated: 1, Corrupt: 1, Phantoms: 1, FailedPresent: 1,
		Duplicates: 1, Resurrected: 1, StaleReads: 1, Causal: 1, LostLinks: 1, Undumped: 1}
	if r.Violations() != 12 {
		t.Fatalf("violations = %d, want 12", r.Violations())
	}
}

func TestFindingsStayBounded(t *testing.T) {
	var cycle Report
	for range MaxFindings + 5 {
		cycle.flag(Finding{Check: CheckLost, Detail: "x"})
	}
	cycle.flag(Finding{Check: CheckCausal, Detail: "y"})
	if cycle.Lost != MaxFindings+5 || len(cycle.Findings) != MaxFindings+1 {
		t.Fatalf("lost %d, %d findings", cycle.Lost, len(cycle.Findings))
	}
	var class Report
	class.Add(cycle)
	class.Add(cycle)
	if class.Lost != 2*(MaxFindings+5) || class.Causal != 2 || len(class.Findings) != MaxFindings+2 {
		t.Fatalf("class: lost %d, causal %d, %d findings", class.Lost, class.Causal, len(class.Findings))
	}
}

func TestReportJSONIsSnakeCase(t *testing.T) {
	b, err := json.Marshal(Report{Findings: []Finding{{Check: CheckLost}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"acked_writes"`, `"delete_not_propagated"`, `"unknown_recovered"`, `"stale_reads"`, `"check":"lost"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("no %s in %s", k, b)
		}
	}
}

package faults

import (
	"slices"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

func TestParseEverySwitch(t *testing.T) {
	s, err := Parse([]string{"cancel-fanout-after-quorum", "double-count-ack", "skip-replicate-consolidate",
		"ack-before-durable", "list-cap-20", "clock-skew=-90s"}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := Set{true, true, true, true, true, -90 * time.Second}
	if s != want {
		t.Fatalf("parsed %+v, want %+v", s, want)
	}
	if got := s.Active(); len(got) != 6 || got[5] != "clock-skew=-1m30s" {
		t.Fatalf("Active() = %v", got)
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		values []string
		unsafe bool
	}{
		{[]string{"list-cap-20"}, false}, // no --unsafe-fault-injection
		{[]string{"no-such-fault"}, true},
		{[]string{"clock-skew"}, true},         // value missing
		{[]string{"clock-skew=soon"}, true},    // not a duration
		{[]string{"clock-skew=0s"}, true},      // a no-op is a mistake
		{[]string{"list-cap-20=yes"}, true},    // takes no value
		{[]string{"double-count-ack=1"}, true}, // takes no value
	}
	for _, c := range cases {
		_, err := Parse(c.values, c.unsafe)
		if memory.ErrorCode(err) != memory.CodeInvalid {
			t.Errorf("Parse(%v, %v) = %v, want an invalid_argument error", c.values, c.unsafe, err)
		}
	}
}

func TestZeroSetInjectsNothing(t *testing.T) {
	s, err := Parse(nil, false)
	if err != nil || s.Any() || len(s.Active()) != 0 {
		t.Fatalf("Parse(nil) = %+v, %v", s, err)
	}
	if !slices.Contains(Names, "clock-skew=<duration>") {
		t.Fatal("Names must document the clock-skew value")
	}
}

package faults

import (
	"slices"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

func TestParseEverySwitch(t *testing.T) {
	s, err := Parse([]string{"cancel-fanout-after-quorum", "double-count-ack", "skip-replicate-consolidate",
		"ack-before-durable", "list-cap-20", "clock-skew=-90s", "skip-fsync", "hlc-ignore-remote",
		"retry-duplicates", "tombstone-skip-on-sync", "sync-mark-before-apply", "rare-ack-before-durable"}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := Set{CancelFanoutAfterQuorum: true, DoubleCountAck: true, SkipReplicateConsolidate: true,
		AckBeforeDurable: true, ListCap20: true, ClockSkew: -90 * time.Second, SkipFsync: true,
		HLCIgnoreRemote: true, RetryDuplicates: true, TombstoneSkipOnSync: true, SyncMarkBeforeApply: true,
		RareAckBeforeDurable: true}
	if s != want {
		t.Fatalf("parsed %+v, want %+v", s, want)
	}
	got := s.Active()
	if len(got) != len(Names) || got[5] != "clock-skew=-1m30s" {
		t.Fatalf("Active() = %v", got)
	}
	for _, name := range got {
		one, err := Parse([]string{name}, true)
		if err != nil || len(one.Active()) != 1 || one.Active()[0] != name {
			t.Errorf("switch %q alone: %+v, %v", name, one, err)
		}
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

func TestStrategies(t *testing.T) {
	if got := IgnoreRemote(memory.MakeHLC(10, 0), memory.MakeHLC(99, 0)); got != memory.MakeHLC(10, 0) {
		t.Errorf("IgnoreRemote moved the clock to %v", got)
	}
	stored := &memory.Memory{Title: "t", Content: "same"}
	if CopyIdenticalRetry(stored, &memory.Memory{Title: "t", Content: "same"}) {
		t.Error("an identical retry must become a copy")
	}
	if !CopyIdenticalRetry(stored, &memory.Memory{Title: "t", Content: "new"}) {
		t.Error("a changed content must still update")
	}
}

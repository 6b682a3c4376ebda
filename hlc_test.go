package memory

import (
	"encoding/json"
	"testing"
	"time"
)

func TestClockTicksStrictlyIncreaseWhenWallStalls(t *testing.T) {
	wall := time.UnixMilli(1_700_000_000_000)
	c := &Clock{Now: func() time.Time { return wall }}
	prev := c.Tick()
	for i := 0; i < 70000; i++ { // past the 16-bit logical counter: must carry, not wrap
		next := c.Tick()
		if next <= prev {
			t.Fatalf("tick %d: %v not after %v", i, next, prev)
		}
		prev = next
	}
}

func TestClockObserveOrdersLaterWritesAfterRemote(t *testing.T) {
	c := &Clock{Now: func() time.Time { return time.UnixMilli(1000) }}
	remote := MakeHLC(5000, 7)
	c.Observe(remote)
	if got := c.Tick(); got <= remote {
		t.Fatalf("tick %v after observing %v", got, remote)
	}
}

func TestClockSkewShiftsPhysicalTime(t *testing.T) {
	base := time.UnixMilli(1_000_000)
	c := &Clock{Now: func() time.Time { return base }, Skew: -30 * time.Second}
	if got := c.Tick().WallMillis(); got != base.Add(-30*time.Second).UnixMilli() {
		t.Fatalf("wall %d", got)
	}
}

func TestHLCJSONRoundTripKeepsPrecision(t *testing.T) {
	h := MakeHLC(1_800_000_000_123, 65535)
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back HLC
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Fatalf("round trip %s -> %v (%v)", b, back, err)
	}
	if err := json.Unmarshal([]byte(`"x1"`), &back); err == nil {
		t.Fatal("garbage version accepted")
	}
}

func TestNewerIsTotalAndDeterministic(t *testing.T) {
	if !Newer(2, "a", 1, "z") || Newer(1, "z", 2, "a") {
		t.Fatal("higher stamp must win")
	}
	if !Newer(5, "b", 5, "a") || Newer(5, "a", 5, "b") || Newer(5, "a", 5, "a") {
		t.Fatal("origin must break ties, equal is not newer")
	}
}

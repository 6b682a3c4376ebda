package memory

import (
	"encoding/json"
	"sync"
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
	c := &Clock{Now: func() time.Time { return base }}
	c.SetSkew(-30 * time.Second)
	if got := c.Tick().WallMillis(); got != base.Add(-30*time.Second).UnixMilli() {
		t.Fatalf("wall %d", got)
	}
}

// A skew changed while other goroutines tick (the runtime clock endpoint)
// is race free, and a skew back never makes stamps go backwards.
func TestClockSkewChangesLiveWithoutGoingBack(t *testing.T) {
	c := NewClock()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := c.Tick()
			for range 2000 {
				next := c.Tick()
				if next <= prev {
					t.Errorf("tick %v not after %v", next, prev)
					return
				}
				prev = next
				c.NowTime()
			}
		}()
	}
	for _, d := range []time.Duration{time.Hour, -2 * time.Hour, 0} {
		c.SetSkew(d)
		if c.Skew() != d {
			t.Errorf("Skew() = %v after SetSkew(%v)", c.Skew(), d)
		}
	}
	wg.Wait()
}

func TestClockObservePolicy(t *testing.T) {
	c := &Clock{Now: func() time.Time { return time.UnixMilli(1000) }}
	remote := MakeHLC(5000, 7)
	c.SetObservePolicy(func(last, _ HLC) HLC { return last })
	c.Observe(remote)
	if got := c.Tick(); got >= remote {
		t.Fatalf("policy ignoring remote stamps: tick %v, want below %v", got, remote)
	}
	c.SetObservePolicy(nil)
	c.Observe(remote)
	if got := c.Tick(); got <= remote {
		t.Fatalf("default policy restored: tick %v, want above %v", got, remote)
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

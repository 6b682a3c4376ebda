package memory

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// HLC is a hybrid logical clock stamp: wall milliseconds in the high 48 bits
// and a logical counter in the low 16. Stamps from one Clock strictly
// increase, and a Clock that has seen a remote stamp never issues a smaller
// one, so causally later writes always carry greater versions.
type HLC int64

const hlcLogicalBits = 16

// MakeHLC builds a stamp from wall milliseconds and a logical counter.
func MakeHLC(wallMillis int64, logical uint16) HLC {
	return HLC(wallMillis<<hlcLogicalBits | int64(logical))
}

// WallMillis is the physical part of the stamp.
func (h HLC) WallMillis() int64 { return int64(h) >> hlcLogicalBits }

// Logical is the counter part of the stamp.
func (h HLC) Logical() uint16 { return uint16(h & (1<<hlcLogicalBits - 1)) }

// Time is the physical part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.WallMillis()).UTC() }

func (h HLC) String() string {
	return fmt.Sprintf("%d.%d", h.WallMillis(), h.Logical())
}

// MarshalJSON writes the stamp as a decimal string: JSON numbers lose
// precision above 2^53 in many clients.
func (h HLC) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(h), 10) + `"`), nil
}

// UnmarshalJSON accepts the string form and a bare number.
func (h *HLC) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || s == "null" {
		*h = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("version stamp %q: %w", s, err)
	}
	*h = HLC(v)
	return nil
}

// Clock issues HLC stamps. Now is the physical time source; the skew
// shifts it (the clock-skew fault switch models a node with a wrong clock)
// and may change while the clock is in use.
type Clock struct {
	mu      sync.Mutex
	last    HLC
	observe ObservePolicy // nil: MergeRemote
	Now     func() time.Time
	skew    atomic.Int64 // nanoseconds
}

// ObservePolicy decides what a clock whose newest stamp is last holds
// after it sees the stamp seen from another node or the store.
type ObservePolicy func(last, seen HLC) HLC

// MergeRemote is the hybrid logical clock rule: keep the greater stamp, so
// every later tick exceeds everything seen.
func MergeRemote(last, seen HLC) HLC { return max(last, seen) }

// NewClock returns a clock on the system time.
func NewClock() *Clock { return &Clock{Now: time.Now} }

// SetSkew shifts the clock's physical time by d from now on. Stamps stay
// strictly increasing whatever d is: a skew back only stalls the wall part.
func (c *Clock) SetSkew(d time.Duration) { c.skew.Store(int64(d)) }

// Skew is the current shift of the physical time.
func (c *Clock) Skew() time.Duration { return time.Duration(c.skew.Load()) }

// SetObservePolicy replaces how Observe merges stamps (fault injection);
// nil restores MergeRemote.
func (c *Clock) SetObservePolicy(p ObservePolicy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observe = p
}

func (c *Clock) physical() int64 {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return now().Add(c.Skew()).UnixMilli()
}

// Tick returns a stamp greater than every stamp this clock issued, and than
// every stamp it observed under MergeRemote.
func (c *Clock) Tick() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.physical()
	if wall > c.last.WallMillis() {
		c.last = MakeHLC(wall, 0)
	} else {
		c.last = c.next(c.last)
	}
	return c.last
}

// Observe merges a stamp seen from another node (or read from the store)
// so that later ticks exceed it.
func (c *Clock) Observe(seen HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	merge := c.observe
	if merge == nil {
		merge = MergeRemote
	}
	c.last = merge(c.last, seen)
}

// next advances the logical counter, carrying into the wall part on overflow.
func (c *Clock) next(h HLC) HLC {
	if h.Logical() == 1<<hlcLogicalBits-1 {
		return MakeHLC(h.WallMillis()+1, 0)
	}
	return h + 1
}

// NowTime is the clock's physical time (skew included) for timestamps such
// as created_at that users read.
func (c *Clock) NowTime() time.Time {
	return time.UnixMilli(c.physical()).UTC()
}

package memory

import (
	"fmt"
	"strconv"
	"sync"
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

// Clock issues HLC stamps. Now is the physical time source; Skew shifts it
// (the clock-skew fault switch uses this to model a node with a wrong clock).
type Clock struct {
	mu   sync.Mutex
	last HLC
	Now  func() time.Time
	Skew time.Duration
}

// NewClock returns a clock on the system time.
func NewClock() *Clock { return &Clock{Now: time.Now} }

func (c *Clock) physical() int64 {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return now().Add(c.Skew).UnixMilli()
}

// Tick returns a stamp greater than every stamp this clock issued or observed.
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

// Observe merges a stamp seen from another node so later ticks exceed it.
func (c *Clock) Observe(remote HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remote > c.last {
		c.last = remote
	}
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

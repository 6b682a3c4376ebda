package memory

import (
	"testing"
	"time"
)

func TestValidIDAcceptsULIDsAndUUIDs(t *testing.T) {
	for _, id := range []string{
		NewID(time.Now()),
		"01HZX3V5W6Q8R9T0Y1Z2A3B4C5",
		"3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f", // the original's UUID v4
		"3F2B8C1E-9D4A-4E6B-8F10-2A3B4C5D6E7F",
	} {
		if !ValidID(id) {
			t.Errorf("ValidID(%q) = false; want true", id)
		}
	}
	for _, id := range []string{
		"",
		"3f2b8c1e",                             // a prefix is not an id
		"3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7",  // 35 characters
		"3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7g", // not hex
		"3f2b8c1e99d4a-4e6b-8f10-2a3b4c5d6e7f", // hyphen misplaced
		"3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f0",
		"01HZX3V5W6Q8R9T0Y1Z2A3B4C",  // 25 characters
		"01HZX3V5W6Q8R9T0Y1Z2A3B4CU", // U is not Crockford base32
	} {
		if ValidID(id) {
			t.Errorf("ValidID(%q) = true; want false", id)
		}
	}
}

// Times a ULID cannot hold (a zero time from an imported row without one,
// dates before 1970 or past 10889) still give a valid id.
func TestNewIDClampsTimesOutsideULIDRange(t *testing.T) {
	for _, at := range []time.Time{{}, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if id := NewID(at); !ValidID(id) {
			t.Errorf("NewID(%v) = %q, not a valid id", at, id)
		}
	}
}

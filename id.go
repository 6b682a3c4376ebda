package memory

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a ULID: 26 characters, sortable by creation time, and
// strictly increasing within this process. Every id this program mints is
// one; ValidID also accepts the UUIDs of imported memories.
func NewID(at time.Time) string {
	idMu.Lock()
	defer idMu.Unlock()
	// A ULID holds milliseconds since 1970 in 48 bits; a time outside
	// that (a zero time from a row without one) is clamped, not a panic.
	ms := uint64(0)
	if at.After(time.Unix(0, 0)) {
		ms = min(ulid.Timestamp(at), ulid.MaxTime())
	}
	return ulid.MustNew(ms, idEntropy).String()
}

// Id lengths: a ULID (ours) and a hyphenated UUID (the original ai-memory's).
const (
	ULIDLen = 26
	UUIDLen = 36
)

// ValidID reports whether s is a ULID or a hyphenated UUID
// (8-4-4-4-12 hex digits, either case). Ids are compared byte for byte, so
// an imported UUID keeps the case it came with.
func ValidID(s string) bool {
	if len(s) == UUIDLen {
		return isUUID(s)
	}
	_, err := ulid.ParseStrict(s)
	return err == nil
}

func isUUID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

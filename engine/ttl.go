package engine

import (
	"time"

	memory "github.com/aimemory/ai-memory"
)

// TierTTL is the lifetime a new memory of a tier gets when the write names
// neither expires_at nor ttl_secs. A tier it does not name keeps
// memory.Tier.DefaultTTL; zero means never expires.
type TierTTL map[memory.Tier]time.Duration

func (t TierTTL) of(tier memory.Tier) time.Duration {
	if d, ok := t[tier]; ok {
		return d
	}
	return tier.DefaultTTL()
}

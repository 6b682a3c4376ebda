package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

func TestConfiguredTTLs(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ttl.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := New(st, Options{TTL: TierTTL{memory.TierShort: time.Minute, memory.TierLong: time.Hour, memory.TierMid: 0}})
	for tier, want := range map[memory.Tier]time.Duration{memory.TierShort: time.Minute, memory.TierMid: 0, memory.TierLong: time.Hour} {
		res, err := e.Store(context.Background(), NewMemory{Title: string(tier), Content: "x", Tier: tier})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Memory
		switch {
		case want == 0 && m.ExpiresAt != nil:
			t.Errorf("%s expires at %v; want never", tier, m.ExpiresAt)
		case want > 0 && (m.ExpiresAt == nil || m.ExpiresAt.Sub(m.CreatedAt) != want):
			t.Errorf("%s expires at %v; want %v after creation", tier, m.ExpiresAt, want)
		}
	}
}

package storetest

import (
	"reflect"
	"sort"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var statsCases = []suiteCase{
	{"Stats/Counts", testStats},
}

func testStats(t *testing.T, s memory.Store) {
	empty, err := s.Stats(ctx(t), base)
	if err != nil {
		t.Fatalf("Stats of an empty store: %v", err)
	}
	if empty.Total != 0 || empty.LinksCount != 0 || empty.Archived != 0 || empty.ExpiringSoon != 0 {
		t.Fatalf("Stats of an empty store: %+v", empty)
	}

	ii := ids(9)
	m := func(i int, ns string, tier memory.Tier, st memory.State, expires time.Duration) memory.Memory {
		x := mem(ii[i], title(i), "stats")
		x.Namespace, x.Tier, x.State = ns, tier, st
		if expires != 0 {
			x.ExpiresAt = ptr(base.Add(expires))
			x.CreatedAt, x.UpdatedAt = base.Add(-24*time.Hour), base.Add(-24*time.Hour)
		}
		return x
	}
	active, archived, deleted := memory.StateActive, memory.StateArchived, memory.StateDeleted
	applyMems(t, s,
		m(0, "b", memory.TierMid, active, 30*time.Minute), // expiring soon
		m(1, "b", memory.TierMid, active, 2*time.Hour),    // expiring later
		m(2, "a", memory.TierLong, active, 0),
		m(3, "c", memory.TierShort, active, -time.Hour), // already expired, not yet collected
		m(4, "a", memory.TierMid, active, time.Hour),    // exactly at the edge of the hour
		m(5, "a", memory.TierMid, archived, 10*time.Minute),
		m(6, "d", memory.TierLong, archived, 0),
		m(7, "a", memory.TierShort, deleted, 10*time.Minute),
		m(8, "e", memory.TierShort, deleted, 0),
	)
	dead := link(ii[0], ii[2], memory.Contradicts)
	dead.Deleted = true
	apply(t, s, memory.Batch{Links: []memory.Link{
		link(ii[0], ii[1], memory.RelatedTo), link(ii[2], ii[0], memory.Supersedes), dead,
	}})

	st, err := s.Stats(ctx(t), base)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.Total != 5 {
		t.Fatalf("total %d, want 5 active memories", st.Total)
	}
	if st.Archived != 2 {
		t.Fatalf("archived %d, want 2", st.Archived)
	}
	if st.LinksCount != 2 {
		t.Fatalf("links_count %d, want 2 live links", st.LinksCount)
	}
	if st.ExpiringSoon != 2 {
		t.Fatalf("expiring_soon %d, want 2 (active, now < expires_at <= now+1h)", st.ExpiringSoon)
	}
	if st.DBSizeBytes <= 0 {
		t.Fatalf("db_size_bytes %d, want > 0", st.DBSizeBytes)
	}
	var tiers []memory.TierCount
	for _, tc := range st.ByTier {
		if tc.Count != 0 {
			tiers = append(tiers, tc)
		}
	}
	sort.Slice(tiers, func(i, j int) bool { return tiers[i].Tier < tiers[j].Tier })
	wantTiers := []memory.TierCount{{Tier: memory.TierLong, Count: 1}, {Tier: memory.TierMid, Count: 3}, {Tier: memory.TierShort, Count: 1}}
	if !reflect.DeepEqual(tiers, wantTiers) {
		t.Fatalf("by_tier %+v, want %+v", st.ByTier, wantTiers)
	}
	wantNS := []memory.NamespaceCount{{Namespace: "a", Count: 2}, {Namespace: "b", Count: 2}, {Namespace: "c", Count: 1}}
	if !reflect.DeepEqual(st.ByNamespace, wantNS) {
		t.Fatalf("by_namespace %+v, want %+v sorted by namespace", st.ByNamespace, wantNS)
	}
	// expiring_soon follows the given instant.
	later, err := s.Stats(ctx(t), base.Add(90*time.Minute))
	if err != nil || later.ExpiringSoon != 1 {
		t.Fatalf("expiring_soon 90 minutes on: %d, %v; want 1", later.ExpiringSoon, err)
	}
}

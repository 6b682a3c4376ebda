package memory

import (
	"math"
	"sort"
	"time"
)

// RecallScore ranks a full-text hit for recall; the formula is a contract
// (docs/upstream-history.md), so agents see the same order:
//
//	score = relevance                       (text match; -bm25 on SQLite)
//	      + 0.5 · priority                  (1..10)
//	      + 0.1 · min(access_count, 50)     (use, capped)
//	      + 2   · confidence                (0..1)
//	      + tier bonus                      (long 3, mid 1, short 0)
//	      + 1 / (1 + 0.1 · days since update) (recency decay)
//
// now is passed in so the same data at the same instant ranks the same.
func RecallScore(h SearchHit, now time.Time) float64 {
	m := &h.Memory
	days := now.Sub(m.UpdatedAt).Hours() / 24
	if days < 0 {
		days = 0
	}
	return h.Relevance +
		0.5*float64(m.Priority) +
		0.1*math.Min(float64(m.AccessCount), 50) +
		2*m.Confidence +
		TierBonus(m.Tier) +
		1/(1+0.1*days)
}

// TierBonus is the recall bonus of a tier.
func TierBonus(t Tier) float64 {
	switch t {
	case TierLong:
		return 3
	case TierMid:
		return 1
	}
	return 0
}

// ScoredMemory is a recall result.
type ScoredMemory struct {
	Memory
	Score float64 `json:"score"`
}

// RankRecall scores hits and sorts them best first; equal scores order by id
// so results are deterministic.
func RankRecall(hits []SearchHit, now time.Time) []ScoredMemory {
	out := make([]ScoredMemory, len(hits))
	for i, h := range hits {
		out[i] = ScoredMemory{Memory: h.Memory, Score: RecallScore(h, now)}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	return out
}

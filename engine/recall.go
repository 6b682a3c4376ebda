package engine

import (
	"context"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// RecallQuery asks for the memories most useful for a context.
type RecallQuery struct {
	Context     string
	Namespace   string
	Tags        []string
	Tier        memory.Tier
	MinPriority int
	// Since and Until bound created_at, as in ListQuery.
	Since, Until *time.Time
	Limit        int
	// BudgetTokens caps the returned context (≈ 4 characters per token);
	// zero means no cap. The best memory is always returned.
	BudgetTokens int
	AgentID      string
}

// RecallResult is what recall returns.
type RecallResult struct {
	Memories   []memory.ScoredMemory `json:"memories"`
	Count      int                   `json:"count"`
	TokensUsed int                   `json:"tokens_used"`
	Mode       string                `json:"mode"`
}

// recallCandidates is how many text matches are re-ranked per result slot:
// BM25 alone would drop a high-priority memory that matches slightly worse.
const recallCandidates = 5

// Recall matches any term (OR), re-ranks by memory.RecallScore, records
// the access on every returned memory and promotes mid memories to long once
// they reach PromoteAfter accesses.
func (e *Engine) Recall(ctx context.Context, q RecallQuery) (RecallResult, error) {
	terms, err := queryTerms(q.Context)
	if err != nil {
		return RecallResult{}, err
	}
	lq := memory.ListQuery{Namespace: q.Namespace, Tags: q.Tags, AgentID: q.AgentID, Tier: q.Tier, Since: q.Since, Until: q.Until,
		MinPriority: q.MinPriority}
	if err := checkFilters(&lq); err != nil {
		return RecallResult{}, err
	}
	if q.BudgetTokens < 0 {
		return RecallResult{}, memory.Errorf(memory.CodeInvalid, "budget_tokens must not be negative")
	}
	limit := clampLimit(q.Limit, DefaultRecallLimit, MaxRecallLimit)
	now := e.Now()
	lq.Now = now
	lq.Limit = limit * recallCandidates
	hits, err := e.store.Search(ctx, memory.SearchQuery{ListQuery: lq, Terms: terms})
	if err != nil {
		return RecallResult{}, err
	}
	ranked := memory.RankRecall(hits, now)
	res := RecallResult{Memories: []memory.ScoredMemory{}, Mode: "keyword"}
	for _, m := range ranked {
		if len(res.Memories) == limit {
			break
		}
		tokens := (len(m.Title) + len(m.Content) + 3) / 4
		if q.BudgetTokens > 0 && len(res.Memories) > 0 && res.TokensUsed+tokens > q.BudgetTokens {
			break
		}
		res.TokensUsed += tokens
		res.Memories = append(res.Memories, m)
	}
	res.Count = len(res.Memories)
	if err := e.touch(ctx, res.Memories); err != nil {
		return res, err
	}
	return res, nil
}

// touch records the access and promotes memories that crossed the threshold.
func (e *Engine) touch(ctx context.Context, ms []memory.ScoredMemory) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
		ms[i].AccessCount++
	}
	if err := e.store.Touch(ctx, ids, e.Now()); err != nil {
		return err
	}
	if e.promoteAfter <= 0 {
		return nil
	}
	long := memory.TierLong
	for i := range ms {
		if ms[i].Tier == memory.TierMid && ms[i].AccessCount >= int64(e.promoteAfter) {
			// A promotion that missed the write quorum is kept locally and
			// repaired by sync; it must not fail the read that caused it.
			if _, _, err := e.Update(ctx, ms[i].ID, Patch{Tier: &long}); err != nil && memory.ErrorCode(err) != memory.CodeQuorumNotMet {
				return err
			}
			ms[i].Tier, ms[i].ExpiresAt = memory.TierLong, nil
		}
	}
	return nil
}

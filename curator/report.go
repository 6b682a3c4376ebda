package curator

import "time"

// Report is the outcome of one curator cycle. The fields up to DryRun are
// a contract, names included (docs/upstream-history.md); arrays are never
// null. In a dry run the
// counters describe what a real run would do and nothing is written.
type Report struct {
	StartedAt            time.Time `json:"started_at"`
	CompletedAt          time.Time `json:"completed_at"`
	CycleDurationMs      int64     `json:"cycle_duration_ms"`
	MemoriesScanned      int       `json:"memories_scanned"`
	MemoriesEligible     int       `json:"memories_eligible"`
	AutoTagged           int       `json:"auto_tagged"`
	ContradictionsFound  int       `json:"contradictions_found"`
	OperationsAttempted  int       `json:"operations_attempted"`
	OperationsSkippedCap int       `json:"operations_skipped_cap"`
	Autonomy             Autonomy  `json:"autonomy"`
	Errors               []string  `json:"errors"`
	DryRun               bool      `json:"dry_run"`

	// Proposals lists every operation found, applied or not (our addition:
	// a dry run is only useful if it says what it would do).
	Proposals Proposals `json:"proposals"`
	// RollbackIDs are the rollback entries written by this cycle, oldest first.
	RollbackIDs []string `json:"rollback_ids"`
}

// Autonomy counts what the cycle changed on its own.
type Autonomy struct {
	ClustersFormed         int      `json:"clusters_formed"`
	MemoriesConsolidated   int      `json:"memories_consolidated"`
	MemoriesForgotten      int      `json:"memories_forgotten"`
	PriorityAdjustments    int      `json:"priority_adjustments"`
	RollbackEntriesWritten int      `json:"rollback_entries_written"`
	Errors                 []string `json:"errors"`
}

// Proposals are the operations a cycle found, in the order it applies them.
type Proposals struct {
	Expired        []string               `json:"expired"`
	Consolidations []ConsolidationPlan    `json:"consolidations"`
	Contradictions []ContradictionFinding `json:"contradictions"`
	Tags           []TagPlan              `json:"tags"`
	Priority       []PriorityPlan         `json:"priority"`
}

// ConsolidationPlan merges a cluster of near-duplicates into its keeper's title.
type ConsolidationPlan struct {
	Namespace string   `json:"namespace"`
	IDs       []string `json:"ids"`
	Title     string   `json:"title"`
	// MinSimilarity is the lowest Jaccard similarity of a linking pair.
	MinSimilarity float64 `json:"min_similarity"`
	Applied       bool    `json:"applied"`
	ResultID      string  `json:"result_id,omitempty"`
}

// ContradictionFinding is a pair about the same subject that disagrees.
type ContradictionFinding struct {
	Namespace       string  `json:"namespace"`
	A               string  `json:"a"`
	B               string  `json:"b"`
	Reason          string  `json:"reason"`
	TitleSimilarity float64 `json:"title_similarity"`
	Similarity      float64 `json:"similarity"`
	Applied         bool    `json:"applied"`
}

// TagPlan gives an untagged memory its top corpus keywords.
type TagPlan struct {
	ID      string   `json:"id"`
	Tags    []string `json:"tags"`
	Applied bool     `json:"applied"`
}

// PriorityPlan raises the priority of a well-used memory.
type PriorityPlan struct {
	ID          string `json:"id"`
	From        int    `json:"from"`
	To          int    `json:"to"`
	AccessCount int64  `json:"access_count"`
	Applied     bool   `json:"applied"`
}

func newReport(start time.Time, dryRun bool) *Report {
	return &Report{
		StartedAt: start, DryRun: dryRun, Errors: []string{}, RollbackIDs: []string{},
		Autonomy: Autonomy{Errors: []string{}},
		Proposals: Proposals{Expired: []string{}, Consolidations: []ConsolidationPlan{},
			Contradictions: []ContradictionFinding{}, Tags: []TagPlan{}, Priority: []PriorityPlan{}},
	}
}

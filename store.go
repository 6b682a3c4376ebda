package memory

import (
	"context"
	"time"
)

// Batch is a set of rows written atomically. The engine builds batches for
// local writes; replication applies the very same batches on peers.
type Batch struct {
	// Op names the user operation that produced the batch (create, update,
	// delete, link, promote, consolidate, import, …) for logs, metrics and
	// fault injection; stores ignore it.
	Op       string   `json:"op,omitempty"`
	Memories []Memory `json:"memories,omitempty"`
	Links    []Link   `json:"links,omitempty"`
	Records  []Record `json:"records,omitempty"`
}

// Empty reports whether the batch carries nothing.
func (b *Batch) Empty() bool {
	return len(b.Memories) == 0 && len(b.Links) == 0 && len(b.Records) == 0
}

// ApplyResult says how many rows of a batch replaced what was stored. Rows
// whose (Version, Origin) is not newer than the stored row are skipped, which
// makes Apply idempotent and order independent.
type ApplyResult struct {
	Memories int `json:"memories"`
	Links    int `json:"links"`
	Records  int `json:"records"`
}

// ListQuery selects memories. Zero values mean "no filter". Results are
// ordered by id (creation order); paging is by AfterID (keyset) or Offset.
type ListQuery struct {
	Namespace   string
	Tier        Tier
	Tags        []string // every tag must be present
	AgentID     string
	MinPriority int
	Since       *time.Time // created_at >= Since
	Until       *time.Time // created_at < Until
	// States to include; empty means active only.
	States []State
	// Now hides memories expired at this time; zero shows expired ones too.
	Now     time.Time
	AfterID string
	Offset  int
	Limit   int
}

// SearchQuery is a full-text query with the filters of ListQuery.
// Terms come from Terms(text); MatchAll selects AND (search) or OR (recall).
type SearchQuery struct {
	ListQuery
	Terms    []string
	MatchAll bool
}

// SearchHit is one full-text match. Relevance is higher for better matches
// and comparable across backends (SQLite: -bm25; Postgres: ts_rank_cd scaled).
type SearchHit struct {
	Memory    Memory  `json:"memory"`
	Relevance float64 `json:"relevance"`
}

// TierCount and NamespaceCount are rows of Stats.
type TierCount struct {
	Tier  Tier `json:"tier"`
	Count int  `json:"count"`
}

type NamespaceCount struct {
	Namespace string `json:"namespace"`
	Count     int    `json:"count"`
}

// Stats summarises the active memories of a store.
type Stats struct {
	Total        int              `json:"total"`
	ByTier       []TierCount      `json:"by_tier"`
	ByNamespace  []NamespaceCount `json:"by_namespace"`
	ExpiringSoon int              `json:"expiring_soon"` // within the next hour
	LinksCount   int              `json:"links_count"`
	Archived     int              `json:"archived"`
	DBSizeBytes  int64            `json:"db_size_bytes"`
}

// ChangeSet is a page of rows in local change order, for anti-entropy sync,
// export and migration. Every applied row gets a fresh, strictly increasing
// local sequence number; NextSeq is the cursor for the following page
// (unchanged when the page is empty).
type ChangeSet struct {
	Batch
	NextSeq int64 `json:"next_seq"`
	More    bool  `json:"more"`
}

// Store is the persistence contract. Every implementation must pass the
// behaviour suite in package storetest. Writes are durable when Apply returns.
type Store interface {
	// Apply writes every row of b that is newer than the stored one,
	// atomically, and returns how many were applied.
	Apply(ctx context.Context, b *Batch) (ApplyResult, error)

	// GetMemory returns a memory in any state, or ErrNotFound.
	GetMemory(ctx context.Context, id string) (*Memory, error)
	// FindByTitle returns the active memory with this exact title in the
	// namespace, or ErrNotFound.
	FindByTitle(ctx context.Context, namespace, title string) (*Memory, error)
	// ListMemories returns up to q.Limit memories and whether more exist.
	ListMemories(ctx context.Context, q ListQuery) (mems []Memory, more bool, err error)
	// CountMemories counts what ListMemories would return without limits.
	CountMemories(ctx context.Context, q ListQuery) (int, error)
	// Search runs a full-text query, best first, ties broken by id.
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
	// Touch records reads: access_count+1 and last_accessed_at=at, locally,
	// without a new version.
	Touch(ctx context.Context, ids []string, at time.Time) error

	// Links returns the live links where id is source or target.
	Links(ctx context.Context, id string) ([]Link, error)

	// GetRecord returns a live record, or ErrNotFound.
	GetRecord(ctx context.Context, kind, key string) (*Record, error)
	// ListRecords returns live records of a kind whose key has the prefix,
	// ordered by key.
	ListRecords(ctx context.Context, kind, keyPrefix string) ([]Record, error)

	// Stats and Namespaces describe active memories; now decides expiring_soon.
	Stats(ctx context.Context, now time.Time) (Stats, error)

	// Changes returns rows applied after local sequence afterSeq, in
	// sequence order, at most limit rows.
	Changes(ctx context.Context, afterSeq int64, limit int) (ChangeSet, error)
	// HeadSeq is the local sequence of the newest applied row, or 0 when
	// the store holds none: Changes(ctx, HeadSeq, n) is empty until the
	// next row is applied.
	HeadSeq(ctx context.Context) (int64, error)

	// MaxVersion is the greatest version of any row the store holds
	// (memories, links and records, tombstones included), or 0 when it
	// holds none: a clock seeded with it never issues a version below one
	// this store has seen.
	MaxVersion(ctx context.Context) (HLC, error)

	// LocalGet and LocalSet keep node-local settings (node id, sync
	// high-water marks); they are never replicated.
	LocalGet(ctx context.Context, key string) (string, bool, error)
	LocalSet(ctx context.Context, key, value string) error

	Close() error
}

// Store page sizes, the same for every backend so the engine pages alike on
// all of them: a ListMemories, Search or Changes call without a limit
// returns DefaultPageLimit rows, and none returns more than MaxPageLimit.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 1000
)

// PageLimit applies the store page sizes to a requested limit.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageLimit
	case n > MaxPageLimit:
		return MaxPageLimit
	}
	return n
}

// ApplyFunc writes one batch as Store.Apply does.
type ApplyFunc = func(context.Context, *Batch) (ApplyResult, error)

// EmptyLoader is a Store with a bulk path for filling it while it holds no
// rows (the sqlite and postgres stores; migrate's fast path). LoadEmpty
// returns false without calling fn when the store holds rows; otherwise fn
// writes its batches through apply inside one transaction, and a failed
// load keeps nothing.
type EmptyLoader interface {
	LoadEmpty(ctx context.Context, fn func(apply ApplyFunc) error) (bool, error)
}

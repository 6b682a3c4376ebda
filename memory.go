// Package memory holds the domain types of ai-memory and the storage
// interface every backend implements. It has no dependencies beyond the
// standard library and ULID generation; engines, stores and transports live
// in subpackages.
package memory

import (
	"encoding/json"
	"time"
)

// Tier is the retention class of a memory.
type Tier string

const (
	TierShort Tier = "short"
	TierMid   Tier = "mid"
	TierLong  Tier = "long"
)

// DefaultTTL is the lifetime a new memory of the tier gets when the caller
// gives neither expires_at nor ttl_secs. Zero means it never expires.
func (t Tier) DefaultTTL() time.Duration {
	switch t {
	case TierShort:
		return 6 * time.Hour
	case TierMid:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Valid reports whether t is one of the three tiers.
func (t Tier) Valid() bool { return t == TierShort || t == TierMid || t == TierLong }

// State is where a memory is in its life. Archived and deleted rows stay in
// the store so that replication can carry them (a delete is a tombstone).
type State string

const (
	StateActive   State = "active"
	StateArchived State = "archived"
	StateDeleted  State = "deleted"
)

// Memory is one stored memory. Version and Origin identify the write that
// produced this row; replicas keep the row with the greatest (Version, Origin).
// AccessCount and LastAccessedAt are node-local usage statistics: they change
// on recall without a new version and are not replicated, so a read on one
// node can never overwrite a newer write from another.
type Memory struct {
	ID             string         `json:"id"`
	Tier           Tier           `json:"tier"`
	Namespace      string         `json:"namespace"`
	Title          string         `json:"title"`
	Content        string         `json:"content"`
	Tags           []string       `json:"tags"`
	Priority       int            `json:"priority"`
	Confidence     float64        `json:"confidence"`
	Source         string         `json:"source"`
	AgentID        string         `json:"agent_id,omitempty"`
	Metadata       map[string]any `json:"metadata"`
	AccessCount    int64          `json:"access_count"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	LastAccessedAt *time.Time     `json:"last_accessed_at,omitempty"`
	ExpiresAt      *time.Time     `json:"expires_at,omitempty"`
	State          State          `json:"state"`
	ArchivedAt     *time.Time     `json:"archived_at,omitempty"`
	Origin         string         `json:"origin"`
	Version        HLC            `json:"version"`
}

// Expired reports whether m has an expiry at or before now.
func (m *Memory) Expired(now time.Time) bool {
	return m.ExpiresAt != nil && !m.ExpiresAt.After(now)
}

// Relation is the kind of a link between two memories.
type Relation string

const (
	RelatedTo   Relation = "related_to"
	Supersedes  Relation = "supersedes"
	Contradicts Relation = "contradicts"
	DerivedFrom Relation = "derived_from"
)

// Valid reports whether r is a known relation.
func (r Relation) Valid() bool {
	return r == RelatedTo || r == Supersedes || r == Contradicts || r == DerivedFrom
}

// Link is a directed, typed edge between two memories, keyed by
// (SourceID, TargetID, Relation). Removing a link keeps a tombstone.
type Link struct {
	SourceID  string    `json:"source_id"`
	TargetID  string    `json:"target_id"`
	Relation  Relation  `json:"relation"`
	CreatedAt time.Time `json:"created_at"`
	Deleted   bool      `json:"deleted,omitempty"`
	Origin    string    `json:"origin"`
	Version   HLC       `json:"version"`
}

// Record is a replicated key/value row for everything that is not a memory
// or a link: namespace standards, pending actions, subscriptions, curator
// rollback entries. Kind groups records; Key is unique within a kind.
type Record struct {
	Kind      string          `json:"kind"`
	Key       string          `json:"key"`
	Value     json.RawMessage `json:"value"`
	Deleted   bool            `json:"deleted,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
	Origin    string          `json:"origin"`
	Version   HLC             `json:"version"`
}

// Record kinds used by the engine.
const (
	KindNamespaceStandard = "namespace_standard"
	KindPending           = "pending"
	KindSubscription      = "subscription"
	KindCuratorRollback   = "curator_rollback"
)

// Reserved namespaces: the agent registry, agent inboxes, and the default.
const (
	NamespaceAgents         = "_agents"
	NamespaceMessagesPrefix = "_messages/"
	DefaultNamespace        = "global"
)

// Newer reports whether the write (v, origin) wins over (ov, oorigin):
// last writer wins on the hybrid logical clock, node id breaks ties.
func Newer(v HLC, origin string, ov HLC, oorigin string) bool {
	if v != ov {
		return v > ov
	}
	return origin > oorigin
}

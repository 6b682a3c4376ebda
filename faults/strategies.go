package faults

import memory "github.com/aimemory/ai-memory"

// IgnoreRemote is the clock observe policy of HLCIgnoreRemote: the clock
// keeps its own last stamp whatever it sees.
func IgnoreRemote(last, _ memory.HLC) memory.HLC { return last }

// CopyIdenticalRetry is the title upsert policy of RetryDuplicates: a store
// updates the memory holding its title only when the content differs, so
// a retried store (same title, same content) becomes a second memory.
func CopyIdenticalRetry(stored, incoming *memory.Memory) bool {
	return stored.Content != incoming.Content
}

package engine

import (
	"context"
	"slices"
	"sync"

	memory "github.com/aimemory/ai-memory"
)

// The lock discipline. A title is one active memory per namespace, so a
// memory is named by its (namespace, title) key as well as by its id.
// Every write that reads memories and writes them back (update, delete,
// restore, archive, consolidate) or may create one (store, bulk store,
// promote) holds the locks of every title key it reads or writes, from the
// read to the end of its commit. Two writers touching one title are thus
// serialised within this node, whichever face or method they came from: a
// store and a bulk store of one title cannot both insert, and a rename
// cannot move a memory onto a title a store is taking. Records (standards,
// pending actions, subscriptions) lock their (kind, key) the same way.

// keyLocks is a mutex per key, held only while some writer wants the
// key: writers of different keys never wait on each other, so a bulk
// store of many titles holds up only the writers of those titles.
type keyLocks struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	waiters int // writers holding or waiting for the lock; guarded by keyLocks.mu
}

// lock locks keys, each once, in ascending order, so two writers holding
// several never wait on each other in a cycle. It returns the unlock.
func (l *keyLocks) lock(keys ...string) func() {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	held := make([]*keyLock, len(keys))
	for i, k := range keys {
		l.mu.Lock()
		if l.keys == nil {
			l.keys = map[string]*keyLock{}
		}
		kl := l.keys[k]
		if kl == nil {
			kl = &keyLock{}
			l.keys[k] = kl
		}
		kl.waiters++
		l.mu.Unlock()
		kl.Lock()
		held[i] = kl
	}
	return func() {
		for i, kl := range slices.Backward(held) {
			kl.Unlock()
			l.mu.Lock()
			if kl.waiters--; kl.waiters == 0 {
				delete(l.keys, keys[i])
			}
			l.mu.Unlock()
		}
	}
}

// lock locks keys (see keyLocks.lock).
func (e *Engine) lock(keys ...string) func() { return e.locks.lock(keys...) }

// titleKey is the lock key of the memory titled title in namespace ns.
func titleKey(ns, title string) string { return "m\x00" + ns + "\x00" + title }

// recordKey is the lock key of a record.
func recordKey(kind, key string) string { return "r\x00" + kind + "\x00" + key }

// loader reads a memory, or fails with not_found for one the caller may
// not act on (deleted, archived, …).
type loader func(ctx context.Context, id string) (*memory.Memory, error)

// lockRows loads the memories ids and locks the title keys of all of them
// plus the keys extra names for them (a rename's new title, a new
// memory's). Under the locks it loads them again and starts over if a
// title moved in between, so the rows it returns are current and stay so
// until the returned unlock.
func (e *Engine) lockRows(ctx context.Context, ids []string, load loader, extra func([]memory.Memory) []string) ([]memory.Memory, func(), error) {
	keysOf := func(ms []memory.Memory) []string {
		keys := make([]string, 0, len(ms)+1)
		for _, m := range ms {
			keys = append(keys, titleKey(m.Namespace, m.Title))
		}
		if extra != nil {
			keys = append(keys, extra(ms)...)
		}
		return keys
	}
	ms, err := loadAll(ctx, ids, load)
	for err == nil {
		keys := keysOf(ms)
		unlock := e.lock(keys...)
		if ms, err = loadAll(ctx, ids, load); err == nil && slices.Equal(keys, keysOf(ms)) {
			return ms, unlock, nil
		}
		unlock()
	}
	return nil, nil, err
}

func loadAll(ctx context.Context, ids []string, load loader) ([]memory.Memory, error) {
	out := make([]memory.Memory, 0, len(ids))
	for _, id := range ids {
		m, err := load(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

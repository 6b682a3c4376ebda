package curator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/sqlite"
)

// node is an engine with its store, as a command opens them.
type node struct {
	*engine.Engine
	st memory.Store
}

// openEngine returns an engine on a fresh SQLite file owned by the test.
func openEngine(t *testing.T) *node {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "curator.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &node{engine.New(st, engine.Options{NodeID: "node-test"}), st}
}

// stateDigest hashes what users see of a store: every active and archived
// memory's fields (not versions or usage counters) and every live link.
// Curator rollback records are left out: they are the audit trail, not
// the state being restored.
func stateDigest(t *testing.T, e *node) string {
	t.Helper()
	x, err := e.Export(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, m := range x.Memories {
		parts = append(parts, "m "+m.ID+" "+digest(m))
	}
	for _, l := range x.Links {
		parts = append(parts, "l "+linkKey(l)+" "+l.CreatedAt.UTC().String())
	}
	sort.Strings(parts)
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// fullExport is the whole export, versions and records included, without
// its timestamp: a dry run must leave it byte for byte the same.
func fullExport(t *testing.T, e *node) string {
	t.Helper()
	x, err := e.Export(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	x.ExportedAt = time.Time{}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func store(t *testing.T, e *node, ns, title, content string, tags ...string) memory.Memory {
	t.Helper()
	res, err := e.Store(context.Background(), engine.NewMemory{Namespace: ns, Title: title, Content: content, Tags: tags, Tier: memory.TierLong})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created {
		t.Fatalf("title %q in %s was de-duplicated", title, ns)
	}
	return res.Memory
}

func memoryWith(content string) memory.Memory {
	return memory.Memory{Title: "subject", Content: content}
}

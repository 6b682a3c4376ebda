package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// fixture is what seed wrote, to check a copy against.
type fixture struct {
	memories, archived, deleted, links, records int
}

var seedBase = time.Date(2026, 2, 3, 4, 5, 6, 789_000_000, time.UTC)

// seedMemory is memory i of a realistic mix: three tiers, five namespaces,
// tags, nested metadata, unicode, expiries, one in ten archived and one in
// twenty tombstoned.
func seedMemory(i int) memory.Memory {
	at := seedBase.Add(time.Duration(i) * time.Second)
	m := memory.Memory{
		ID:         memory.NewID(at),
		Tier:       []memory.Tier{memory.TierShort, memory.TierMid, memory.TierLong}[i%3],
		Namespace:  fmt.Sprintf("proj-%d/sub", i%5),
		Title:      fmt.Sprintf("Memory %05d — naïve café %s", i, []string{"zebra", "herds", "日本語", "river"}[i%4]),
		Content:    fmt.Sprintf("content %d with 'quotes' \"double\" \\ and\nnewlines 🎉 %s", i, strings.Repeat("word ", i%50)),
		Tags:       []string{fmt.Sprintf("t%d", i%7), "shared", fmt.Sprintf("标签%d", i%3)},
		Priority:   1 + i%10,
		Confidence: float64(i%101) / 100,
		Source:     []string{"cli", "api", "mcp"}[i%3],
		AgentID:    fmt.Sprintf("agent-%d", i%4),
		Metadata: map[string]any{
			"i": float64(i), "even": i%2 == 0, "nested": map[string]any{"list": []any{"a", float64(i % 9), nil}},
		},
		AccessCount: int64(i % 13),
		CreatedAt:   at,
		UpdatedAt:   at.Add(time.Minute),
		State:       memory.StateActive,
		Origin:      []string{"node-a", "node-b"}[i%2],
		Version:     memory.MakeHLC(at.UnixMilli(), uint16(i%5)),
	}
	if i%4 == 0 {
		exp := at.Add(time.Duration(1+i%48) * time.Hour)
		m.ExpiresAt = &exp
	}
	switch {
	case i%10 == 3:
		m.State = memory.StateArchived
		arch := at.Add(2 * time.Minute)
		m.ArchivedAt = &arch
	case i%20 == 7:
		m.State = memory.StateDeleted
	}
	if i%11 == 0 {
		m.Tags, m.Metadata = nil, nil
	}
	return m
}

// seed writes n memories, about n/2 links (some removed) and 20 records
// (some removed) into s, in batches as an engine would.
func seed(t testing.TB, s memory.Store, n int) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	var b memory.Batch
	flush := func() {
		if b.Empty() {
			return
		}
		if _, err := s.Apply(ctx, &b); err != nil {
			t.Fatalf("seed: %v", err)
		}
		b = memory.Batch{}
	}
	var prev string
	for i := range n {
		m := seedMemory(i)
		b.Memories = append(b.Memories, m)
		f.memories++
		switch m.State {
		case memory.StateArchived:
			f.archived++
		case memory.StateDeleted:
			f.deleted++
		}
		if i%2 == 1 {
			b.Links = append(b.Links, memory.Link{SourceID: m.ID, TargetID: prev,
				Relation:  []memory.Relation{memory.RelatedTo, memory.Supersedes, memory.DerivedFrom, memory.Contradicts}[i%4],
				CreatedAt: m.CreatedAt, Deleted: i%9 == 1, Origin: m.Origin, Version: m.Version})
			f.links++
		}
		prev = m.ID
		if len(b.Memories) == 200 {
			flush()
		}
	}
	for i := range 20 {
		b.Records = append(b.Records, memory.Record{Kind: memory.KindNamespaceStandard,
			Key: fmt.Sprintf("proj-%d/sub", i), Value: json.RawMessage(fmt.Sprintf(`{"b": %d, "a": "x"}`, i)),
			Deleted: i%6 == 5, UpdatedAt: seedBase, Origin: "node-a", Version: memory.MakeHLC(seedBase.UnixMilli(), uint16(i))})
		f.records++
	}
	flush()
	return f
}

// counts are what a store holds, by kind, every state included.
type counts struct{ memories, archived, links, records int }

func countAll(t testing.TB, s memory.Store) counts {
	t.Helper()
	var c counts
	err := eachPage(context.Background(), s, 500, func(cs *memory.ChangeSet) error {
		c.memories += len(cs.Memories)
		for _, m := range cs.Memories {
			if m.State == memory.StateArchived {
				c.archived++
			}
		}
		c.links += len(cs.Links)
		c.records += len(cs.Records)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustDigest(t testing.TB, s memory.Store) string {
	t.Helper()
	d, err := Digest(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

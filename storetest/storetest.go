// Package storetest is the behaviour suite every memory.Store must pass. It
// checks only the contract written in the memory package (store.go), so the
// SQLite and Postgres stores are held to the same rules:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) memory.Store { return openTempStore(t) })
//	}
//
// open must return an empty store and arrange its cleanup with t.Cleanup.
// Every subtest opens its own store. All times the suite writes are UTC and
// truncated to milliseconds, the precision stores keep.
//
// Points the store.go comments leave open, decided here:
//   - Apply rejects a batch with a row lacking its key (memory id, link ends,
//     record kind/key), with an unknown tier, state or relation, or with a
//     record value that is not JSON: invalid_argument, and nothing of that
//     batch is written.
//   - Rows come back with time.UTC locations; empty and nil tags or metadata
//     are the same thing.
//   - ListQuery.Namespace is an exact match (not a prefix); Tags match whole
//     tags ("%" and "_" are plain characters); Now hides expires_at <= Now.
//   - Search with no terms returns nothing; archived and deleted memories are
//     never found; relevance is positive; Limit and Offset page the ranking.
//   - Touch of an unknown id is no error; a touch is visible to the next read.
//   - Stats.Total counts active memories, expired ones not yet collected
//     included; expiring_soon counts active ones with now < expires_at <=
//     now+1h; by_namespace is sorted by namespace; db_size_bytes > 0.
//   - Changes carries tombstones; ListRecords prefixes are literal.
package storetest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/oklog/ulid/v2"
)

// Opener returns an empty store owned by the test.
type Opener func(t *testing.T) memory.Store

type suiteCase struct {
	name string
	run  func(t *testing.T, s memory.Store)
}

// Run runs the whole behaviour suite against stores from open.
func Run(t *testing.T, open func(t *testing.T) memory.Store) {
	var cases []suiteCase
	cases = append(cases, applyCases...)
	cases = append(cases, readCases...)
	cases = append(cases, listCases...)
	cases = append(cases, searchCases...)
	cases = append(cases, linkRecordCases...)
	cases = append(cases, statsCases...)
	cases = append(cases, changeCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			c.run(t, s)
		})
	}
}

// base is the fixed instant the fixtures are built around.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func ptr(t time.Time) *time.Time { return &t }

// ver is a version stamp n logical ticks after base.
func ver(n int) memory.HLC { return memory.MakeHLC(base.UnixMilli(), uint16(n)) }

// idCounter makes fixture ids deterministic and increasing across the whole
// run, whatever else in the process generates ULIDs.
var idCounter atomic.Uint64

// ids returns n fresh ULIDs in increasing order.
func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		var u ulid.ULID
		if err := u.SetTime(uint64(base.UnixMilli())); err != nil {
			panic(err)
		}
		var entropy [10]byte
		binary.BigEndian.PutUint64(entropy[2:], idCounter.Add(1))
		if err := u.SetEntropy(entropy[:]); err != nil {
			panic(err)
		}
		out[i] = u.String()
	}
	return out
}

// mem is a valid active memory with every required field set.
func mem(id, title, content string) memory.Memory {
	return memory.Memory{
		ID:         id,
		Tier:       memory.TierMid,
		Namespace:  "test",
		Title:      title,
		Content:    content,
		Tags:       []string{},
		Priority:   5,
		Confidence: 1,
		Source:     "storetest",
		Metadata:   map[string]any{},
		CreatedAt:  base,
		UpdatedAt:  base,
		State:      memory.StateActive,
		Origin:     "node-a",
		Version:    ver(1),
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func apply(t *testing.T, s memory.Store, b memory.Batch) memory.ApplyResult {
	t.Helper()
	res, err := s.Apply(ctx(t), &b)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return res
}

func applyMems(t *testing.T, s memory.Store, ms ...memory.Memory) memory.ApplyResult {
	t.Helper()
	return apply(t, s, memory.Batch{Memories: ms})
}

func get(t *testing.T, s memory.Store, id string) *memory.Memory {
	t.Helper()
	m, err := s.GetMemory(ctx(t), id)
	if err != nil {
		t.Fatalf("GetMemory(%s): %v", id, err)
	}
	return m
}

func list(t *testing.T, s memory.Store, q memory.ListQuery) ([]memory.Memory, bool) {
	t.Helper()
	mems, more, err := s.ListMemories(ctx(t), q)
	if err != nil {
		t.Fatalf("ListMemories(%+v): %v", q, err)
	}
	return mems, more
}

func memIDs(ms []memory.Memory) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func hitIDs(hs []memory.SearchHit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Memory.ID
	}
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got ids %v, want %v", what, got, want)
	}
}

// sameMemory fails unless got equals want field by field. Times must be in
// UTC and equal to the millisecond; nil and empty tags or metadata are
// treated as equal, since JSON backends cannot tell them apart.
func sameMemory(t *testing.T, what string, got, want *memory.Memory) {
	t.Helper()
	g, w := normalize(t, what, *got), normalize(t, what, *want)
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.MarshalIndent(g, "", "  ")
		wj, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("%s: memory differs\n got: %s\nwant: %s", what, gj, wj)
	}
}

func normalize(t *testing.T, what string, m memory.Memory) memory.Memory {
	t.Helper()
	utc := func(field string, v time.Time) time.Time {
		if v.Location() != time.UTC {
			t.Fatalf("%s: %s %v is not in UTC", what, field, v)
		}
		return time.UnixMilli(v.UnixMilli()).UTC()
	}
	utcPtr := func(field string, v *time.Time) *time.Time {
		if v == nil {
			return nil
		}
		u := utc(field, *v)
		return &u
	}
	m.CreatedAt = utc("created_at", m.CreatedAt)
	m.UpdatedAt = utc("updated_at", m.UpdatedAt)
	m.LastAccessedAt = utcPtr("last_accessed_at", m.LastAccessedAt)
	m.ExpiresAt = utcPtr("expires_at", m.ExpiresAt)
	m.ArchivedAt = utcPtr("archived_at", m.ArchivedAt)
	if len(m.Tags) == 0 {
		m.Tags = nil
	}
	if len(m.Metadata) == 0 {
		m.Metadata = nil
	}
	return m
}

// jsonEqual compares two JSON documents by value: jsonb backends reorder keys
// and drop whitespace.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("stored JSON %q does not parse: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("fixture JSON %q does not parse: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// metadata parses JSON so that numbers are float64, as they come back.
func metadata(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("fixture metadata: %v", err)
	}
	return m
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !memory.IsNotFound(err) {
		t.Fatalf("%s: got error %v, want not_found", what, err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want %s", what, code)
	}
	if got := memory.ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %s), want code %s", what, err, got, code)
	}
}

func title(i int) string { return fmt.Sprintf("memory %04d", i) }

package storetest

import (
	"fmt"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var listCases = []suiteCase{
	{"ListMemories/Filters", testListFilters},
	{"ListMemories/PagingMore", testListPaging},
	{"ListMemories/Page1000ExactlyOnce", testPage1000},
}

// listFixture is eight memories m0..m7 in id order with varied fields.
func listFixture(t *testing.T, s memory.Store) []string {
	ii := ids(8)
	h := time.Hour
	m := make([]memory.Memory, 8)
	set := func(i int, ns string, tier memory.Tier, tags []string, agent string, prio int, created time.Time) {
		m[i] = mem(ii[i], fmt.Sprintf("m%d", i), "list fixture")
		m[i].Namespace, m[i].Tier, m[i].Tags, m[i].AgentID, m[i].Priority = ns, tier, tags, agent, prio
		m[i].CreatedAt, m[i].UpdatedAt = created, created
	}
	set(0, "alpha", memory.TierMid, []string{"go", "db"}, "a1", 3, base.Add(-3*h))
	set(1, "alpha", memory.TierLong, []string{"golang"}, "a2", 8, base.Add(-2*h))
	m[1].ExpiresAt = ptr(base.Add(h))
	set(2, "alpha", memory.TierShort, []string{"go", "db", "50%"}, "a1", 10, base.Add(-h))
	m[2].ExpiresAt = ptr(base) // expired exactly at base
	set(3, "alpha", memory.TierMid, []string{"go"}, "a1", 5, base)
	m[3].State, m[3].ArchivedAt = memory.StateArchived, ptr(base)
	set(4, "alpha", memory.TierMid, []string{"go"}, "a1", 5, base.Add(30*time.Minute))
	m[4].State = memory.StateDeleted
	set(5, "alpha/sub", memory.TierMid, []string{"a_b"}, "", 5, base.Add(h))
	set(6, "beta", memory.TierLong, nil, "", 5, base.Add(2*h))
	m[6].ExpiresAt = ptr(base.Add(-ms(1)))
	set(7, "beta", memory.TierMid, []string{"axb", "50x"}, "a2", 1, base.Add(3*h))
	applyMems(t, s, m...)
	return ii
}

func testListFilters(t *testing.T, s memory.Store) {
	ii := listFixture(t, s)
	pick := func(n ...int) []string {
		out := make([]string, len(n))
		for i, k := range n {
			out[i] = ii[k]
		}
		return out
	}
	h := time.Hour
	all := []memory.State{memory.StateActive, memory.StateArchived, memory.StateDeleted}
	cases := []struct {
		name string
		q    memory.ListQuery
		want []string
	}{
		{"no filter is active only", memory.ListQuery{}, pick(0, 1, 2, 5, 6, 7)},
		{"namespace exact", memory.ListQuery{Namespace: "alpha"}, pick(0, 1, 2)},
		{"child namespace", memory.ListQuery{Namespace: "alpha/sub"}, pick(5)},
		{"namespace prefix is not a match", memory.ListQuery{Namespace: "alph"}, nil},
		{"tier", memory.ListQuery{Tier: memory.TierLong}, pick(1, 6)},
		{"one tag", memory.ListQuery{Tags: []string{"go"}}, pick(0, 2)},
		{"every tag must match", memory.ListQuery{Tags: []string{"go", "db"}}, pick(0, 2)},
		{"tag with percent", memory.ListQuery{Tags: []string{"db", "50%"}}, pick(2)},
		{"tag with underscore", memory.ListQuery{Tags: []string{"a_b"}}, pick(5)},
		{"wildcard-looking tag", memory.ListQuery{Tags: []string{"%"}}, nil},
		{"disjoint tags", memory.ListQuery{Tags: []string{"go", "a_b"}}, nil},
		{"agent", memory.ListQuery{AgentID: "a1"}, pick(0, 2)},
		{"min priority", memory.ListQuery{MinPriority: 8}, pick(1, 2)},
		{"since inclusive", memory.ListQuery{Since: ptr(base.Add(-2 * h))}, pick(1, 2, 5, 6, 7)},
		{"until exclusive", memory.ListQuery{Until: ptr(base.Add(-h))}, pick(0, 1)},
		{"since and until", memory.ListQuery{Since: ptr(base.Add(-2 * h)), Until: ptr(base)}, pick(1, 2)},
		{"archived", memory.ListQuery{States: []memory.State{memory.StateArchived}}, pick(3)},
		{"deleted", memory.ListQuery{States: []memory.State{memory.StateDeleted}}, pick(4)},
		{"every state", memory.ListQuery{States: all}, pick(0, 1, 2, 3, 4, 5, 6, 7)},
		{"now hides expired", memory.ListQuery{Now: base}, pick(0, 1, 5, 7)},
		{"combined", memory.ListQuery{Namespace: "alpha", Tags: []string{"go"}, Now: base}, pick(0)},
		{"combined with states", memory.ListQuery{Namespace: "alpha", Tags: []string{"go"}, AgentID: "a1", States: all}, pick(0, 2, 3, 4)},
	}
	for _, c := range cases {
		q := c.q
		q.Limit = 100
		got, more := list(t, s, q)
		wantIDs(t, c.name, memIDs(got), c.want)
		if more {
			t.Fatalf("%s: more with everything returned", c.name)
		}
		n, err := s.CountMemories(ctx(t), c.q)
		if err != nil || n != len(c.want) {
			t.Fatalf("%s: CountMemories = %d, %v; want %d", c.name, n, err, len(c.want))
		}
	}
}

func testListPaging(t *testing.T, s memory.Store) {
	ii := listFixture(t, s)
	active := []string{ii[0], ii[1], ii[2], ii[5], ii[6], ii[7]}
	for _, limit := range []int{1, 2, 4, 5, 6, 7} {
		var gotKey, gotOff []string
		after, offset := "", 0
		for page := 0; ; page++ {
			if page > len(active) {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			byKey, moreKey := list(t, s, memory.ListQuery{AfterID: after, Limit: limit})
			byOff, moreOff := list(t, s, memory.ListQuery{Offset: offset, Limit: limit})
			wantIDs(t, fmt.Sprintf("limit %d page %d keyset vs offset", limit, page), memIDs(byKey), memIDs(byOff))
			wantMore := offset+len(byKey) < len(active)
			if moreKey != wantMore || moreOff != wantMore {
				t.Fatalf("limit %d page %d: more = %v/%v, want %v", limit, page, moreKey, moreOff, wantMore)
			}
			if len(byKey) > limit {
				t.Fatalf("limit %d: page of %d rows", limit, len(byKey))
			}
			gotKey, gotOff = append(gotKey, memIDs(byKey)...), append(gotOff, memIDs(byOff)...)
			if !moreKey {
				break
			}
			after, offset = byKey[len(byKey)-1].ID, offset+len(byKey)
		}
		wantIDs(t, fmt.Sprintf("limit %d keyset pages", limit), gotKey, active)
		wantIDs(t, fmt.Sprintf("limit %d offset pages", limit), gotOff, active)
	}
	// AfterID need not exist and combines with filters.
	got, _ := list(t, s, memory.ListQuery{Namespace: "alpha", AfterID: ii[0] + "0", Limit: 10})
	wantIDs(t, "after a non-existent id", memIDs(got), []string{ii[1], ii[2]})
	got, _ = list(t, s, memory.ListQuery{Offset: 100, Limit: 10})
	wantIDs(t, "offset past the end", memIDs(got), nil)
}

func testPage1000(t *testing.T, s memory.Store) {
	const n = 1000
	ii := ids(n)
	ms := make([]memory.Memory, n)
	var odd []string
	for i, id := range ii {
		ms[i] = mem(id, title(i), "bulk")
		if i%2 == 1 {
			ms[i].Namespace = "odd"
			odd = append(odd, id)
		}
	}
	if res := applyMems(t, s, ms...); res.Memories != n {
		t.Fatalf("applied %d of %d", res.Memories, n)
	}
	pageAll := func(q memory.ListQuery, keyset bool) []string {
		var out []string
		for range n + 1 {
			got, more := list(t, s, q)
			out = append(out, memIDs(got)...)
			if !more {
				return out
			}
			if len(got) == 0 {
				t.Fatalf("empty page with more=true at %d rows", len(out))
			}
			if keyset {
				q.AfterID = got[len(got)-1].ID
			} else {
				q.Offset += len(got)
			}
		}
		t.Fatal("paging never ended")
		return nil
	}
	wantIDs(t, "keyset pages of 37", pageAll(memory.ListQuery{Limit: 37}, true), ii)
	wantIDs(t, "offset pages of 100", pageAll(memory.ListQuery{Limit: 100}, false), ii)
	wantIDs(t, "keyset pages of one namespace", pageAll(memory.ListQuery{Namespace: "odd", Limit: 50}, true), odd)
	if c, err := s.CountMemories(ctx(t), memory.ListQuery{}); err != nil || c != n {
		t.Fatalf("CountMemories = %d, %v", c, err)
	}
	if c, err := s.CountMemories(ctx(t), memory.ListQuery{Namespace: "odd"}); err != nil || c != n/2 {
		t.Fatalf("CountMemories(odd) = %d, %v", c, err)
	}
}

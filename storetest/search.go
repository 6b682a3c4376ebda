package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

var searchCases = []suiteCase{
	{"Search/AndVersusOr", testSearchAndOr},
	{"Search/Filters", testSearchFilters},
	{"Search/RelevanceOrderLimitOffset", testSearchRelevance},
	{"Search/TiesByID", testSearchTies},
	{"Search/HostileInput", testSearchHostile},
	{"Search/FollowsUpdatesAndStates", testSearchFollowsState},
}

type searchFix struct{ zebra2, zebra1, herds, cafe, archived, deleted, expired string }

func searchFixture(t *testing.T, s memory.Store) searchFix {
	ii := ids(7)
	f := searchFix{ii[0], ii[1], ii[2], ii[3], ii[4], ii[5], ii[6]}
	z2 := mem(f.zebra2, "Zebra migration patterns", "zebra zebra herds cross the river")
	z2.Namespace = "wild"
	z1 := mem(f.zebra1, "Notes", "a long note that mentions zebra once among many other unrelated words about savanna weather grass and rain")
	z1.Namespace, z1.Tier, z1.Tags, z1.AgentID, z1.Priority = "wild", memory.TierLong, []string{"animal"}, "ag", 9
	z1.CreatedAt = base.Add(time.Hour)
	herds := mem(f.herds, "River crossing", "herds of wildebeest cross the river")
	herds.Namespace = "wild"
	cafe := mem(f.cafe, "Café notes", "naïve café 日本語 text")
	cafe.Namespace = "misc"
	arch := mem(f.archived, "Archived zebra", "zebra in the archive")
	arch.State = memory.StateArchived
	del := mem(f.deleted, "Deleted zebra", "zebra tombstone")
	del.State = memory.StateDeleted
	exp := mem(f.expired, "Expired", "zebra that expired")
	exp.Namespace, exp.ExpiresAt = "wild", ptr(base.Add(-ms(1)))
	applyMems(t, s, z2, z1, herds, cafe, arch, del, exp)
	// Unrelated rows make the fixture words rare, as in any real corpus:
	// inverse document frequency is meaningless in a tiny one.
	filler := make([]memory.Memory, 40)
	for i, id := range ids(len(filler)) {
		filler[i] = mem(id, title(i), "filler text about nothing in particular")
		filler[i].Namespace = "filler"
	}
	applyMems(t, s, filler...)
	return f
}

func search(t *testing.T, s memory.Store, q memory.SearchQuery) []memory.SearchHit {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 50
	}
	hits, err := s.Search(ctx(t), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return hits
}

func terms(text string) []string { return memory.Terms(text) }

func testSearchAndOr(t *testing.T, s memory.Store) {
	f := searchFixture(t, s)
	and := search(t, s, memory.SearchQuery{Terms: terms("zebra herds"), MatchAll: true})
	wantIDs(t, "AND", hitIDs(and), []string{f.zebra2})
	or := search(t, s, memory.SearchQuery{Terms: terms("zebra herds")})
	wantIDs(t, "OR (as a set)", sortedCopy(hitIDs(or)), sortedCopy([]string{f.zebra2, f.zebra1, f.herds, f.expired}))
	if hitIDs(or)[0] != f.zebra2 {
		t.Fatalf("OR: the row matching both terms is not first: %v", hitIDs(or))
	}
	for _, h := range or {
		if !(h.Relevance > 0) {
			t.Fatalf("relevance %v of %s is not positive", h.Relevance, h.Memory.ID)
		}
		sameMemory(t, "hit "+h.Memory.ID, &h.Memory, get(t, s, h.Memory.ID))
	}
	// Title words count, case does not.
	wantIDs(t, "title match", hitIDs(search(t, s, memory.SearchQuery{Terms: terms("CROSSING"), MatchAll: true})), []string{f.herds})
	wantIDs(t, "no match", hitIDs(search(t, s, memory.SearchQuery{Terms: terms("zebra unicorn"), MatchAll: true})), nil)
	wantIDs(t, "no terms", hitIDs(search(t, s, memory.SearchQuery{MatchAll: true})), nil)
}

func testSearchFilters(t *testing.T, s memory.Store) {
	f := searchFixture(t, s)
	zebra := terms("zebra")
	lq := func(q memory.ListQuery) memory.SearchQuery {
		return memory.SearchQuery{ListQuery: q, Terms: zebra, MatchAll: true}
	}
	cases := []struct {
		name string
		q    memory.SearchQuery
		want []string
	}{
		{"unfiltered", lq(memory.ListQuery{}), []string{f.zebra2, f.zebra1, f.expired}},
		{"now hides expired", lq(memory.ListQuery{Now: base}), []string{f.zebra2, f.zebra1}},
		{"namespace", lq(memory.ListQuery{Namespace: "misc"}), nil},
		{"tier", lq(memory.ListQuery{Tier: memory.TierLong}), []string{f.zebra1}},
		{"tags", lq(memory.ListQuery{Tags: []string{"animal"}}), []string{f.zebra1}},
		{"agent", lq(memory.ListQuery{AgentID: "ag"}), []string{f.zebra1}},
		{"min priority", lq(memory.ListQuery{MinPriority: 9}), []string{f.zebra1}},
		{"since", lq(memory.ListQuery{Since: ptr(base.Add(time.Hour))}), []string{f.zebra1}},
		{"until", lq(memory.ListQuery{Until: ptr(base.Add(time.Hour))}), []string{f.zebra2, f.expired}},
	}
	for _, c := range cases {
		got := hitIDs(search(t, s, c.q))
		wantIDs(t, c.name, sortedCopy(got), sortedCopy(c.want))
	}
}

func testSearchRelevance(t *testing.T, s memory.Store) {
	f := searchFixture(t, s)
	q := memory.SearchQuery{Terms: terms("zebra"), MatchAll: true, ListQuery: memory.ListQuery{Now: base}}
	hits := search(t, s, q)
	wantIDs(t, "better match first", hitIDs(hits), []string{f.zebra2, f.zebra1})
	if !(hits[0].Relevance > hits[1].Relevance) {
		t.Fatalf("relevance %v of the better match is not above %v", hits[0].Relevance, hits[1].Relevance)
	}
	q.Limit = 1
	wantIDs(t, "limit 1", hitIDs(search(t, s, q)), []string{f.zebra2})
	q.Offset = 1
	wantIDs(t, "offset 1 limit 1", hitIDs(search(t, s, q)), []string{f.zebra1})
	q.Offset = 2
	wantIDs(t, "offset past the end", hitIDs(search(t, s, q)), nil)
}

func testSearchTies(t *testing.T, s memory.Store) {
	ii := ids(4)
	var ms []memory.Memory
	for i := len(ii) - 1; i >= 0; i-- { // stored in reverse id order
		ms = append(ms, mem(ii[i], "twin title", "identical twin content"))
	}
	applyMems(t, s, ms...)
	for _, all := range []bool{true, false} {
		hits := search(t, s, memory.SearchQuery{Terms: terms("twin identical"), MatchAll: all})
		wantIDs(t, "equal matches by id", hitIDs(hits), ii)
		for _, h := range hits[1:] {
			if h.Relevance != hits[0].Relevance {
				t.Fatalf("identical rows score differently: %v vs %v", h.Relevance, hits[0].Relevance)
			}
		}
	}
}

func testSearchHostile(t *testing.T, s memory.Store) {
	f := searchFixture(t, s)
	hostile := []string{
		`"AND (`, `NEAR/`, `NEAR/3 zebra`, `*`, `zebra*`, `title:zebra`, `-zebra`, `zebra OR`,
		`NOT zebra`, `^zebra`, `{zebra}`, `"`, `''`, `(`, `)`, `:`, `a"b`, `zebra AND`,
		"\u200bzebra\u200e", "\x00zebra", `%_\`, `'; DROP TABLE memories; --`,
		strings.Repeat("zebra ", 200), strings.Repeat("(", 1000), "🦓", "\u202e",
		`café`, `日本語`, `NAÏVE`,
	}
	for _, text := range hostile {
		ts := terms(text)
		for _, all := range []bool{true, false} {
			hits, err := s.Search(ctx(t), memory.SearchQuery{Terms: ts, MatchAll: all, ListQuery: memory.ListQuery{Limit: 50}})
			if err != nil {
				t.Fatalf("Search(%q → %q, all=%v): %v", text, ts, all, err)
			}
			wantZebra := slices.Contains(ts, "zebra") && (!all || len(ts) == 1)
			if wantZebra && !slices.Contains(hitIDs(hits), f.zebra2) {
				t.Fatalf("Search(%q → %q): zebra row missing from %v", text, ts, hitIDs(hits))
			}
		}
	}
	for _, text := range []string{"café", "日本語", "NAÏVE"} {
		hits := search(t, s, memory.SearchQuery{Terms: terms(text), MatchAll: true})
		wantIDs(t, "unicode term "+text, hitIDs(hits), []string{f.cafe})
	}
}

func testSearchFollowsState(t *testing.T, s memory.Store) {
	id := ids(1)[0]
	m := mem(id, "Shifting", "herds of gazelles")
	applyMems(t, s, m)
	find := func(word string) []string {
		return hitIDs(search(t, s, memory.SearchQuery{Terms: terms(word), MatchAll: true}))
	}
	wantIDs(t, "inserted", find("gazelles"), []string{id})
	m.Content, m.Version = "giraffes only", ver(2)
	applyMems(t, s, m)
	wantIDs(t, "old word after update", find("gazelles"), nil)
	wantIDs(t, "new word after update", find("giraffes"), []string{id})
	m.Title, m.Version = "Renamed", ver(3)
	applyMems(t, s, m)
	wantIDs(t, "old title word", find("shifting"), nil)
	wantIDs(t, "new title word", find("renamed"), []string{id})
	m.State, m.ArchivedAt, m.Version = memory.StateArchived, ptr(base), ver(4)
	applyMems(t, s, m)
	wantIDs(t, "archived", find("giraffes"), nil)
	m.State, m.ArchivedAt, m.Version = memory.StateActive, nil, ver(5)
	applyMems(t, s, m)
	wantIDs(t, "restored", find("giraffes"), []string{id})
	m.State, m.Version = memory.StateDeleted, ver(6)
	applyMems(t, s, m)
	wantIDs(t, "deleted", find("giraffes"), nil)
	m.State, m.Version, m.Content = memory.StateActive, ver(5), "giraffes resurrected"
	applyMems(t, s, m)
	wantIDs(t, "older write after delete", find("giraffes"), nil)
}

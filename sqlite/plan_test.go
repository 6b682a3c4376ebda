package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestFindByTitleUsesTitleIndex guards the de-duplication lookup every
// store makes: on the (namespace, id) index it walked a whole namespace per
// write, which made a 100k-row seed take minutes instead of seconds.
func TestFindByTitleUsesTitleIndex(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	if got := queryPlan(t, s, "SELECT m.id"+findByTitleFrom, "ns", "title"); !strings.Contains(got, "memories_namespace_title") {
		t.Fatalf("plan %q does not use the (namespace, title) index", got)
	}
}

// MaxVersion runs at every engine start: it must seek the version indexes,
// not scan tables whose rows carry up to 64 KiB of content each.
func TestMaxVersionUsesVersionIndexes(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	got := queryPlan(t, s, maxVersionSQL)
	for _, idx := range []string{"memories_version", "links_version", "records_version"} {
		if !strings.Contains(got, idx) {
			t.Errorf("plan %q does not use %s", got, idx)
		}
	}
}

// queryPlan is the EXPLAIN QUERY PLAN of q, its details joined by "; ".
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.query(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

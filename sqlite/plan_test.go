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
	rows, err := s.query(context.Background(), "EXPLAIN QUERY PLAN SELECT m.id"+findByTitleFrom, "ns", "title")
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
	if got := strings.Join(plan, "; "); !strings.Contains(got, "memories_namespace_title") {
		t.Fatalf("plan %q does not use the (namespace, title) index", got)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
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

// TestApplyIndexingSeeksRows guards the statements every Apply runs to keep
// the full-text index: they must walk the batch's rows, not scan every
// active memory (which made each single store cost O(store size)).
func TestApplyIndexingSeeksRows(t *testing.T) {
	s := openTemp(t, Options{Synchronous: "NORMAL"})
	for _, q := range []string{activeRowidsSQL, indexSQL} {
		got := queryPlan(t, s, q, "[]")
		if strings.Contains(got, "memories_state_namespace_tier") || !strings.Contains(got, "SCAN j") {
			t.Errorf("plan of %q: %q; want a walk of the batch's list", q, got)
		}
	}
	for _, q := range []string{activeRowidOneSQL, indexOneSQL} {
		if got := queryPlan(t, s, q, "x"); strings.Contains(got, "SCAN") || strings.Contains(got, "state_namespace") {
			t.Errorf("plan of %q: %q; want a seek by key", q, got)
		}
	}
}

// TestMaxVersionSurvivesUpgrade: schema 4 moves the greatest version from
// the version indexes to change_seq; a database written before it keeps
// its maximum, so a restarted engine still seeds its clock past it.
func TestMaxVersionSurvivesUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:3] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	_, err = db.Exec(`INSERT INTO links (source_id, target_id, relation, created_at, origin, version, seq)
		VALUES ('a', 'b', 'related_to', 0, 'n', 77, 1); PRAGMA user_version = 3`)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.MaxVersion(context.Background()); err != nil || v != 77 {
		t.Fatalf("MaxVersion after upgrade = %v, %v; want 77", v, err)
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

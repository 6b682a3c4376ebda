package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/original/originaltest"
	"github.com/aimemory/ai-memory/sqlite"
)

func buildOriginal(t *testing.T, opts originaltest.Options) *originaltest.Fixture {
	t.Helper()
	f, err := originaltest.Build(filepath.Join(t.TempDir(), "their.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// kindsOf digests a store of ours per kind of row.
func kindsOf(t *testing.T, db string) map[string]migrate.KindCount {
	t.Helper()
	st, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, err := migrate.DigestKinds(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func importOriginalJSON(t *testing.T, db, from string) originalReport {
	t.Helper()
	r := run(t, db, "", "import", "--from-original", from, "--json")
	if r.code != 0 {
		t.Fatalf("import --from-original: exit %d: %s", r.code, r.stderr)
	}
	var rep originalReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, r.stdout)
	}
	return rep
}

// The original's database → import → export → import elsewhere: every
// kind of row arrives with the same count and digest at each step, the
// tables with no equivalent are named with their row counts, a second
// import changes nothing, and the original file is never changed.
func TestImportFromOriginalRoundTrip(t *testing.T) {
	f := buildOriginal(t, originaltest.Options{})
	before, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")

	rep := importOriginalJSON(t, a, f.Path)
	if !rep.ContentDigest.Match() || len(rep.Skipped) != 0 || len(rep.Errors) != 0 || rep.SchemaVersion != 28 {
		t.Fatalf("first import: %+v", rep)
	}
	if len(rep.Kinds) != len(f.Rows) {
		t.Errorf("kinds %v; want %v", rep.Kinds, f.Rows)
	}
	for k, want := range f.Rows {
		kd := rep.Kinds[k]
		if kd.SourceRows != want || kd.DestinationRows != want || !kd.Match() {
			t.Errorf("%s: %+v; want %d rows on both sides, equal digests", k, kd, want)
		}
	}
	notCopied := map[string]int{}
	for _, tb := range rep.NotCopied {
		notCopied[tb.Name] = tb.Rows
	}
	for name, rows := range f.NotCopied {
		if notCopied[name] != rows {
			t.Errorf("not copied %s: %d rows reported; want %d", name, notCopied[name], rows)
		}
	}

	again := importOriginalJSON(t, a, f.Path)
	if again.Written != 0 || again.Links != 0 || again.Records != 0 || !again.ContentDigest.Match() {
		t.Fatalf("second import changed something: %+v", again.Report)
	}

	out := filepath.Join(dir, "export.json")
	if r := run(t, a, "", "export", "--out", out); r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}
	if r := run(t, b, "", "import", out); r.code != 0 {
		t.Fatalf("import of the export: exit %d: %s", r.code, r.stderr)
	}
	ka, kb := kindsOf(t, a), kindsOf(t, b)
	for k, kd := range rep.Kinds {
		if ka[k].Digest != kd.Source || kb[k].Digest != kd.Source || kb[k].Rows != kd.SourceRows {
			t.Errorf("%s: original %s, imported %s, re-imported from the export %s (%d rows)", k, kd.Source, ka[k].Digest, kb[k].Digest, kb[k].Rows)
		}
	}

	after, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the original database was changed")
	}
}

// Opening the original's database as a store is refused, untouched, with
// the command that imports it; migrate reads it like import does.
func TestOriginalDatabaseIsNeverOpenedInPlace(t *testing.T) {
	f := buildOriginal(t, originaltest.Options{})
	r := run(t, f.Path, "", "stats")
	if r.code != 2 || !strings.Contains(r.stderr, "ai-memory import --from-original "+f.Path) {
		t.Fatalf("stats on the original's db: exit %d, %q", r.code, r.stderr)
	}
	to := filepath.Join(t.TempDir(), "ours.db")
	r = run(t, to, "", "migrate", "--from", "sqlite://"+f.Path, "--to", to, "--json")
	if r.code != 0 {
		t.Fatalf("migrate --from the original: exit %d: %s", r.code, r.stderr)
	}
	var rep originalReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || !rep.ContentDigest.Match() || rep.Kinds["memories"].DestinationRows != f.Rows["memories"] {
		t.Fatalf("migrate report %v: %s", err, r.stdout)
	}
	r = run(t, to, "", "migrate", "--from", to, "--to", f.Path)
	if r.code != 2 || !strings.Contains(r.stderr, "--to "+f.Path+" is a database of the original") {
		t.Fatalf("migrate --to the original: exit %d, %q", r.code, r.stderr)
	}
}

// Rows of the original that cannot be read are named and fail the import
// (exit 2) unless --skip-invalid; the readable rows are copied either way.
func TestImportFromOriginalNamesUnreadableRows(t *testing.T) {
	f := buildOriginal(t, originaltest.Options{Broken: true})
	db := filepath.Join(t.TempDir(), "ours.db")
	r := run(t, db, "", "import", "--from-original", f.Path)
	if r.code != 2 || !strings.Contains(r.stderr, "2 row(s)") || !strings.Contains(r.stdout, `"yesterday" is not an RFC 3339 time`) ||
		!strings.Contains(r.stdout, "unknown relation") {
		t.Fatalf("broken original: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, db, "", "import", "--from-original", f.Path, "--skip-invalid")
	if r.code != 0 {
		t.Fatalf("--skip-invalid: exit %d: %s", r.code, r.stderr)
	}
}

// An export with invalid rows imports nothing and names each row (exit 2);
// --skip-invalid imports the rest and says how many were skipped. The
// original's export format is read, UUID ids kept, a row without an id
// gets one, and importing the same file again changes nothing.
func TestImportIsNeverSilent(t *testing.T) {
	export := `{"count":5,"exported_at":"2026-05-07T10:00:00.123456789+00:00","links":[
	 {"source_id":"11111111-2222-4333-8444-555555555555","target_id":"55555555-2222-4333-8444-555555555555","relation":"related_to","created_at":"2026-05-01T00:00:00+00:00","valid_from":"2026-05-01T00:00:00+00:00"}],
	"memories":[` + strings.Join([]string{
		originalRow(`"id":"11111111-2222-4333-8444-555555555555","title":"good one","metadata":{"agent_id":"claude-code"}`),
		originalRow(`"title":"no id"`),
		originalRow(`"id":"22222222-2222-4333-8444-555555555555","title":"bad tier","tier":"huge"`),
		originalRow(`"id":"33333333-2222-4333-8444-555555555555","title":"too important","priority":42`),
		originalRow(`"id":"44444444-2222-4333-8444-555555555555","title":"   "`),
		originalRow(`"id":"55555555-2222-4333-8444-555555555555","title":"linked"`),
	}, ",") + `]}`
	db := filepath.Join(t.TempDir(), "ours.db")
	r := run(t, db, export, "import", "-")
	if r.code != 2 || !strings.Contains(r.stderr, "3 of 7 rows are invalid, so nothing was imported") {
		t.Fatalf("invalid rows: exit %d, %q", r.code, r.stderr)
	}
	for _, why := range []string{`tier "huge"`, "priority 42", "title must not be empty"} {
		if !strings.Contains(r.stderr, why) {
			t.Errorf("stderr does not say %q: %s", why, r.stderr)
		}
	}
	if n := runJSON(t, db, "list")["count"]; n != 0.0 {
		t.Fatalf("%v memories after a refused import", n)
	}
	r = run(t, db, export, "import", "--skip-invalid", "--json")
	var res struct {
		Imported, Links int
		Errors          []string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || len(res.Errors) != 3 {
		t.Fatalf("--skip-invalid: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	got := runJSON(t, db, "get", "11111111-2222-4333-8444-555555555555")
	if mem := got["memory"].(map[string]any); mem["agent_id"] != "claude-code" || len(got["links"].([]any)) != 1 {
		t.Fatalf("imported UUID memory: %v", got)
	}
	if n := runJSON(t, db, "list")["count"]; n != 3.0 {
		t.Fatalf("%v memories after import; want 3 (the row without an id got one)", n)
	}
	r = run(t, db, export, "import", "--skip-invalid", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"imported": 0`) {
		t.Fatalf("second import: exit %d %s", r.code, r.stdout)
	}
	if n := runJSON(t, db, "list")["count"]; n != 3.0 {
		t.Fatalf("%v memories after a second import; want 3", n)
	}
}

// originalRow is a memory as the original exports it, fields overridden.
func originalRow(fields string) string {
	base := map[string]string{"tier": `"mid"`, "namespace": `"ops"`, "content": `"x"`, "tags": `[]`, "priority": `5`,
		"confidence": `1.0`, "source": `"cli"`, "access_count": `0`, "created_at": `"2026-05-01T00:00:00.123456789+00:00"`,
		"updated_at": `"2026-05-01T00:00:00.123456789+00:00"`, "metadata": `{}`}
	var parts []string
	for k, v := range base {
		if !strings.Contains(fields, `"`+k+`":`) {
			parts = append(parts, `"`+k+`":`+v)
		}
	}
	return "{" + fields + "," + strings.Join(parts, ",") + "}"
}

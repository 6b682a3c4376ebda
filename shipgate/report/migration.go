package report

import (
	"encoding/json"
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// Migration judges phase 3: three clean migrate reports, and the stores
// compared twice: by the harness over ai-memory's export, and by each
// database's own client (sqlite3, psql) with counts and a digest computed
// in SQL, so a defect shared by migrate and export cannot hide itself.
func Migration(p *Phase3, c config.Phase3Config) []Check {
	out := []Check{stepsCheck("migration.steps", p.Steps)}
	for _, x := range []struct {
		name string
		raw  json.RawMessage
	}{{"forward", p.ReportForward}, {"idempotent", p.ReportIdempotent}, {"reverse", p.ReportReverse}} {
		out = append(out, migrateReport(x.name, x.raw, c)...)
	}
	live := c.Memories - p.Deleted
	src, pg, rt := p.SQLSource, p.SQLPostgres, p.SQLRoundTrip
	out = append(out,
		equal("migration.seeded", "memories seeded", p.Seeded, c.Memories),
		Check{ID: "migration.fixture", Name: "the fixture holds updates, deletes, links and records",
			Pass:      p.Updated > 0 && p.Deleted > 0 && p.SeededLinks > 0 && p.Records > 0,
			Measured:  fmt.Sprintf("updated %d, deleted %d, links %d, records %d", p.Updated, p.Deleted, p.SeededLinks, p.Records),
			Threshold: "each > 0"},
		Check{ID: "migration.export_counts", Name: "live memories exported before and after the round trip", Pass: p.SrcCount == live && p.DstCount == live,
			Measured: fmt.Sprintf("source %d, round trip %d", p.SrcCount, p.DstCount), Threshold: fmt.Sprintf("both %d", live)},
		Check{ID: "migration.export_links", Name: "links exported before and after the round trip", Pass: p.SrcLinks == p.SeededLinks && p.DstLinks == p.SeededLinks,
			Measured: fmt.Sprintf("source %d, round trip %d", p.SrcLinks, p.DstLinks), Threshold: fmt.Sprintf("both %d", p.SeededLinks)},
		Check{ID: "migration.export_digest", Name: "content digest of the export, before and after the round trip", Pass: p.SrcDigest != "" && p.SrcDigest == p.DstDigest,
			Measured: fmt.Sprintf("round trip %s", abbrev(p.DstDigest)), Threshold: "= source " + abbrev(p.SrcDigest)},
		Check{ID: "migration.sql_source", Name: "sqlite3 sees the fixture in the source",
			Pass:      src.Error == "" && src.Memories == c.Memories && src.Tombstones == p.Deleted && src.Links == p.SeededLinks && src.Records == p.Records,
			Measured:  sqlCounts(src),
			Threshold: sqlCounts(SQLView{Memories: c.Memories, Tombstones: p.Deleted, Links: p.SeededLinks, Records: p.Records})},
		sqlSame("migration.sql_postgres", "psql sees in PostgreSQL what sqlite3 sees in the source", pg, src),
		sqlSame("migration.sql_round_trip", "sqlite3 sees in the round trip what it sees in the source", rt, src),
	)
	return out
}

// migrateReport checks one migrate --json report. An identical second run
// finds every row at the same version and must write none: that is what
// idempotent means for our migrate.
func migrateReport(name string, raw json.RawMessage, c config.Phase3Config) []Check {
	id := "migration." + name
	var m MigrateReport
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &m) != nil {
		return []Check{holds(id+".report", name+" migrate report", false, "missing or unparsable")}
	}
	want := c.Memories
	if name == "idempotent" {
		want = 0
	}
	var digest string
	ok := m.ContentDigest != nil && m.ContentDigest.Source != "" && m.ContentDigest.Source == m.ContentDigest.Destination
	switch {
	case m.ContentDigest == nil || m.ContentDigest.Source == "":
		digest = "no content_digest"
	case !ok:
		digest = fmt.Sprintf("source %s destination %s", abbrev(m.ContentDigest.Source), abbrev(m.ContentDigest.Destination))
	}
	return []Check{
		holds(id+".report", name+" migrate report is a real run", !m.DryRun, "ran dry"),
		{ID: id + ".errors", Name: name + " migrate errors", Pass: len(m.Errors) == 0, Measured: fmt.Sprintf("%d: %.200v", len(m.Errors), m.Errors), Threshold: "0"},
		{ID: id + ".rows", Name: name + " migrate memories read and written", Pass: m.MemoriesRead == c.Memories && m.MemoriesWritten == want,
			Measured: fmt.Sprintf("read %d wrote %d", m.MemoriesRead, m.MemoriesWritten), Threshold: fmt.Sprintf("read %d wrote %d", c.Memories, want)},
		holds(id+".digest", name+" migrate content digests agree", ok, digest),
	}
}

func sqlSame(id, name string, got, want SQLView) Check {
	ok := got.Error == "" && want.Error == "" && got.Digest != "" && got == want
	return Check{ID: id, Name: name, Pass: ok, Measured: sqlCounts(got), Threshold: sqlCounts(want)}
}

func sqlCounts(v SQLView) string {
	if v.Error != "" {
		return "error: " + v.Error
	}
	s := fmt.Sprintf("memories %d (tombstones %d), links %d, records %d", v.Memories, v.Tombstones, v.Links, v.Records)
	if v.Digest != "" {
		s += ", digest " + abbrev(v.Digest)
	}
	return s
}

func abbrev(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

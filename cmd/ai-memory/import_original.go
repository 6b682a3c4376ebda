package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/migrate"
	"github.com/aimemory/ai-memory/original"
	"github.com/aimemory/ai-memory/storeurl"
)

// originalReport is migrate's report of a copy from the original's
// database, plus what the copy could not take: tables and columns with no
// equivalent here (by name, with their row counts), rows it could not read
// (skipped) and rows it read with a change (warnings).
type originalReport struct {
	migrate.Report
	SchemaVersion    int               `json:"schema_version"`
	NotCopied        []original.Table  `json:"not_copied"`
	ColumnsNotCopied []original.Column `json:"columns_not_copied"`
	Skipped          []string          `json:"skipped"`
	Warnings         []string          `json:"warnings"`
}

// copyOriginal copies the original database at path into to and prints
// the report. Rows it cannot read make it fail (exit 2) unless
// skipInvalid; every other row is copied either way, and a second run
// copies nothing new.
func (a *app) copyOriginal(ctx context.Context, path, toURL string, to memory.Store, opts migrate.Options, skipInvalid bool) error {
	src, err := original.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	inv, err := src.Inventory(ctx)
	if err != nil {
		return err
	}
	opts.FromURL, opts.ToURL = path, toURL
	rep, runErr := migrate.Run(ctx, src, to, opts)
	out := originalReport{Report: rep, SchemaVersion: inv.SchemaVersion, NotCopied: inv.NotCopied,
		ColumnsNotCopied: inv.ColumnsNotCopied, Skipped: src.Problems(), Warnings: src.Warnings()}
	if err := a.print(out, func(w io.Writer) { printOriginalReport(w, out) }); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case len(rep.Errors) > 0:
		return fmt.Errorf("%d row(s) not written: see errors above", len(rep.Errors))
	case len(out.Skipped) > 0 && !skipInvalid:
		return invalidf("%d row(s) of %s could not be read and were skipped (listed above); the rest is copied. "+
			"Fix them in the original and run the import again, or pass --skip-invalid to accept the loss", len(out.Skipped), path)
	}
	return nil
}

func printOriginalReport(w io.Writer, r originalReport) {
	fmt.Fprintf(w, "%s (the original ai-memory, schema v%d) → %s\n", r.FromURL, r.SchemaVersion, r.ToURL)
	printMigrateReport(w, r.Report)
	if len(r.NotCopied) > 0 {
		var parts []string
		for _, t := range r.NotCopied {
			parts = append(parts, fmt.Sprintf("%s (%s)", t.Name, plural(t.Rows, "row")))
		}
		fmt.Fprintf(w, "not copied, no equivalent here: %s\n", strings.Join(parts, ", "))
	}
	if len(r.ColumnsNotCopied) > 0 {
		var parts []string
		for _, c := range r.ColumnsNotCopied {
			parts = append(parts, fmt.Sprintf("%s.%s (%s)", c.Table, c.Column, plural(c.Rows, "row")))
		}
		fmt.Fprintf(w, "columns not copied: %s\n", strings.Join(parts, ", "))
	}
	for _, s := range r.Skipped {
		fmt.Fprintln(w, "skipped:", s)
	}
	for _, s := range r.Warnings {
		fmt.Fprintln(w, "warning:", s)
	}
}

// printKinds writes one line per kind of row: rows and digests on each side.
func printKinds(w io.Writer, kinds map[string]migrate.KindDigests) {
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		kd := kinds[k]
		match := "match"
		if !kd.Match() {
			match = "DIFFER"
		}
		fmt.Fprintf(w, "  %-20s %6d → %-6d %s %s (%s)\n", k, kd.SourceRows, kd.DestinationRows, short(kd.Source), short(kd.Destination), match)
	}
}

// plural is "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func short(digest string) string { return digest[:min(12, len(digest))] }

// refuseOriginal fails when dsn names a database of the original
// ai-memory: such a file is never opened for writing here (that would
// change it), and the error says how to import it.
func (a *app) refuseOriginal(dsn, flag string) error {
	if isPostgresURL(dsn) {
		return nil
	}
	path, err := storeurl.SQLitePath(dsn)
	if err != nil {
		return nil // storeurl.Open reports it
	}
	v, ok, err := original.Detect(path)
	if err != nil || !ok {
		return nil // not the original's; opening reports anything else
	}
	if src := a.cfgSource("db"); flag == "--db" && strings.HasPrefix(src, "config file") {
		return invalidf("db = %s in the config file %s is the original ai-memory's database (schema v%d). It is not opened "+
			"in place, so it stays usable by the original. Copy it into this program's store with: ai-memory --db %s "+
			"import --from-original %s, then set db in the config file to that store (or remove it)",
			path, a.cfg.File, v, shellQuote(a.defaultDBPath()), shellQuote(path))
	}
	return invalidf("%s %s is a database of the original ai-memory (schema v%d). It is not opened in place, so it stays "+
		"usable by the original. Copy it into this program's store with: ai-memory import --from-original %s", flag, path, v, shellQuote(path))
}

// cfgSource is where the effective value of a setting came from.
func (a *app) cfgSource(key string) string {
	for _, s := range a.cfg.Settings {
		if s.Key == key {
			return s.Source
		}
	}
	return ""
}

// isOriginal reports whether a store URL names an original database.
func isOriginal(dsn string) bool {
	if isPostgresURL(dsn) {
		return false
	}
	path, err := storeurl.SQLitePath(dsn)
	if err != nil {
		return false
	}
	_, ok, _ := original.Detect(path)
	return ok
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

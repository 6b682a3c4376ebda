package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// PostgresOptions choose how a PostgreSQL store is backed up.
type PostgresOptions struct {
	Options
	// Logical forces the logical export even when pg_dump exists.
	Logical bool
}

// Exporter is what a logical backup needs of the engine: its lossless
// export.
type Exporter interface {
	Export(ctx context.Context, namespace string) (*engine.Export, error)
}

// Postgres backs up the PostgreSQL database at dbURL. When pg_dump is
// installed it writes ai-memory-<stamp>.pgdump (custom format) from a
// snapshot exported by a read-only transaction, and counts the manifest's
// rows in that same transaction, so the counts describe exactly the rows
// dumped. Otherwise it writes the engine's lossless JSON export as
// ai-memory-<stamp>.json. The manifest's method says which.
func Postgres(ctx context.Context, dbURL string, eng Exporter, opts PostgresOptions) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	pgDump := ""
	if !opts.Logical {
		pgDump, _ = pgTool("pg_dump")
	}
	now := opts.Now().UTC()
	st, err := freeStamp(opts.Dir, now)
	if err != nil {
		return nil, err
	}
	ext := ".json"
	if pgDump != "" {
		ext = ".pgdump"
	}
	final := filepath.Join(opts.Dir, snapshotPrefix+st+ext)
	tmp := filepath.Join(opts.Dir, "."+filepath.Base(final)+".partial")
	defer os.Remove(tmp) // gone after the rename; cleans up on failure
	man := Manifest{File: filepath.Base(final), NodeID: opts.NodeID, CreatedAt: now, Backend: "postgres"}
	if pgDump != "" {
		man.Method = MethodPgDump
		man.Rows, man.SchemaVersion, err = dumpPostgres(ctx, pgDump, dbURL, tmp)
	} else {
		man.Method = MethodLogicalExport
		man.Rows, err = exportLogical(ctx, eng, tmp)
	}
	if err != nil {
		return nil, err
	}
	if man.SHA256, man.SizeBytes, err = fileDigest(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	return finish(final, man, opts.Options)
}

// dumpPostgres runs pg_dump on a snapshot exported from a repeatable-read
// transaction that also counts the rows.
func dumpPostgres(ctx context.Context, pgDump, dbURL, dst string) (RowCounts, int, error) {
	counts := RowCounts{Memories: map[memory.State]int{memory.StateActive: 0, memory.StateArchived: 0, memory.StateDeleted: 0}}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return counts, 0, memory.Errorf(memory.CodeUnavailable, "postgres: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return counts, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var snapshot string
	var version int
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return counts, 0, err
	}
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return counts, 0, memory.Errorf(memory.CodeInvalid, "%s is not an ai-memory database: %v", redact(dbURL), err)
	}
	rows, err := tx.Query(ctx, "SELECT state, count(*) FROM memories GROUP BY state")
	if err != nil {
		return counts, 0, err
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return counts, 0, err
		}
		counts.Memories[memory.State(state)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return counts, 0, err
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM links WHERE NOT deleted").Scan(&counts.Links); err != nil {
		return counts, 0, err
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM records WHERE NOT deleted").Scan(&counts.Records); err != nil {
		return counts, 0, err
	}
	if err := runPgTool(ctx, pgDump, dbURL, "--format=custom", "--no-owner", "--no-privileges",
		"--snapshot="+snapshot, "--file="+dst); err != nil {
		return counts, 0, err
	}
	return counts, version, syncPath(dst)
}

// exportLogical writes the engine's export and counts its rows. The export
// walks the change feed page by page, so a row changed meanwhile can appear
// twice; counts take each row once, as an import would keep it.
func exportLogical(ctx context.Context, eng Exporter, dst string) (RowCounts, error) {
	counts := RowCounts{Memories: map[memory.State]int{memory.StateActive: 0, memory.StateArchived: 0, memory.StateDeleted: 0}}
	x, err := eng.Export(ctx, "")
	if err != nil {
		return counts, err
	}
	latest := map[string]memory.Memory{}
	for _, m := range x.Memories {
		if old, ok := latest[m.ID]; !ok || memory.Newer(m.Version, m.Origin, old.Version, old.Origin) {
			latest[m.ID] = m
		}
	}
	for _, m := range latest {
		counts.Memories[m.State]++
	}
	links, recs := map[string]bool{}, map[string]bool{}
	for _, l := range x.Links {
		links[linkKey(l)] = true
	}
	for _, r := range x.Records {
		recs[r.Kind+"\x00"+r.Key] = true
	}
	counts.Links, counts.Records = len(links), len(recs)
	data, err := json.Marshal(x)
	if err != nil {
		return counts, err
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return counts, err
	}
	return counts, syncPath(dst)
}

func linkKey(l memory.Link) string {
	return l.SourceID + "\x00" + l.TargetID + "\x00" + string(l.Relation)
}

// RestorePostgres restores a PostgreSQL backup into the database at dbURL.
// A pg_dump archive is restored by pg_restore in one transaction (--clean:
// the database ends up exactly as dumped). A logical export is applied to
// the store in one batch, and only into an empty store: applying it over
// existing rows would merge, not restore. Stop servers using the database
// first; their cached statements do not survive the tables being replaced.
func RestorePostgres(ctx context.Context, dbURL string, store memory.Store, opts RestoreOptions) (*RestoreResult, error) {
	if opts.From == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "restore needs --from")
	}
	snap, manPath, err := resolveFrom(opts.From, []string{".pgdump", ".json"})
	if err != nil {
		return nil, err
	}
	res := &RestoreResult{Snapshot: snap, DB: redact(dbURL)}
	if !opts.SkipVerify {
		if res.SHA256, err = verifyManifest(snap, manPath); err != nil {
			return nil, err
		}
		res.Manifest, res.Verified = manPath, true
	}
	if strings.HasSuffix(snap, ".json") {
		return res, restoreLogical(ctx, store, snap, res)
	}
	pgRestore, err := pgTool("pg_restore")
	if err != nil {
		return nil, err
	}
	// --list reads the whole archive's table of contents: a damaged archive
	// fails here, before anything is dropped.
	if err := exec.CommandContext(ctx, pgRestore, "--list", snap).Run(); err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "%s is not a readable pg_dump archive: %v", snap, err)
	}
	if err := runPgTool(ctx, pgRestore, dbURL, "--clean", "--if-exists", "--single-transaction", "--no-owner",
		"--no-privileges", snap); err != nil {
		return nil, err
	}
	return res, nil
}

func restoreLogical(ctx context.Context, store memory.Store, snap string, res *RestoreResult) error {
	n, err := store.CountMemories(ctx, memory.ListQuery{States: []memory.State{memory.StateActive, memory.StateArchived, memory.StateDeleted}})
	if err != nil {
		return err
	}
	if cs, err := store.Changes(ctx, 0, 1); err != nil {
		return err
	} else if n > 0 || !cs.Empty() {
		return memory.Errorf(memory.CodeConflict, "a logical export restores only into an empty database; %s holds data", res.DB)
	}
	data, err := os.ReadFile(snap)
	if err != nil {
		return err
	}
	var x engine.Export
	if err := json.Unmarshal(data, &x); err != nil {
		return memory.Errorf(memory.CodeInvalid, "%s is not an ai-memory export: %v", snap, err)
	}
	b := &memory.Batch{Op: "restore", Memories: x.Memories, Links: x.Links, Records: x.Records}
	if _, err := store.Apply(ctx, b); err != nil {
		return err
	}
	res.Rows = RowCounts{Memories: map[memory.State]int{}, Links: len(x.Links), Records: len(x.Records)}
	for _, m := range x.Memories {
		res.Rows.Memories[m.State]++
	}
	return nil
}

// pgTool finds a PostgreSQL client program: on PATH, else in
// pg_config --bindir, else the newest /usr/lib/postgresql/*/bin.
func pgTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[j], versions[i]) })
	for _, d := range append(dirs, versions...) {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode().IsRegular() {
			return filepath.Join(d, name), nil
		}
	}
	return "", memory.Errorf(memory.CodeUnavailable, "%s not found (PATH, pg_config --bindir, /usr/lib/postgresql/*/bin)", name)
}

// versionLess orders /usr/lib/postgresql/<n>/bin paths by the number n.
func versionLess(a, b string) bool {
	na, nb := filepath.Base(filepath.Dir(a)), filepath.Base(filepath.Dir(b))
	if len(na) != len(nb) {
		return len(na) < len(nb)
	}
	return na < nb
}

// runPgTool runs a PostgreSQL client against dbURL (see libpqArgs).
func runPgTool(ctx context.Context, tool, dbURL string, args ...string) error {
	conn, env, err := libpqArgs(dbURL)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, tool, append(conn, args...)...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(tool), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// libpqParams are the URL parameters libpq itself understands. pgx treats
// every other parameter as a server setting (search_path, timezone, …) or
// as its own pool option (pool_*, statement_cache_*, …).
var libpqParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"connect_timeout": true, "application_name": true, "options": true, "target_session_attrs": true,
	"host": true, "port": true, "user": true, "dbname": true, "passfile": true, "service": true,
}

// libpqArgs turns a pgx URL into pg_dump/pg_restore arguments: the
// password moves to PGPASSWORD (the command line is visible to ps), server
// settings move into libpq's options parameter, pgx's own options are
// dropped, and a search_path limits the tools to that schema, the one the
// store lives in.
func libpqArgs(dbURL string) (args, env []string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, nil, memory.Errorf(memory.CodeInvalid, "postgres URL: %v", err)
	}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	out := url.Values{}
	var settings []string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := q.Get(k)
		switch {
		case libpqParams[k]:
			out.Set(k, v)
		case strings.HasPrefix(k, "pool_") || strings.HasPrefix(k, "statement_cache") || strings.HasPrefix(k, "description_cache") ||
			k == "default_query_exec_mode":
		default:
			settings = append(settings, "-c "+k+"="+strings.ReplaceAll(v, " ", `\ `))
		}
		if k == "search_path" {
			args = append(args, "--schema="+strings.TrimSpace(strings.Split(v, ",")[0]))
		}
	}
	if len(settings) > 0 {
		out.Set("options", strings.TrimSpace(out.Get("options")+" "+strings.Join(settings, " ")))
	}
	// libpq decodes %20, not "+", as a space; Encode writes a literal "+" as %2B.
	u.RawQuery = strings.ReplaceAll(out.Encode(), "+", "%20")
	return append([]string{"--dbname=" + u.String()}, args...), env, nil
}

// redact hides the password of a URL for messages and reports.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "postgres URL"
	}
	return u.Redacted()
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

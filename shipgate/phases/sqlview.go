package phases

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Phase 3 reads each store with its own database's client, never through
// ai-memory: a defect shared by migrate and export (both ai-memory code)
// cannot then agree with itself. Both dialects build the same canonical
// text of every row in SQL (fields separated by 0x1f, rows by 0x1e,
// tables by 0x1d) and hash it with SHA3-256 in SQL. The fields are every
// column that must survive a migration except access statistics (node
// local) and the values of JSON columns, which jsonb re-encodes: those
// are compared by their keys here and by the harness's export digest.

// sqliteView is the query for sqlite3 (its shell has sha3()).
const sqliteView = `
SELECT (SELECT count(*) FROM memories), (SELECT count(*) FROM memories WHERE state = 'deleted'),
  (SELECT count(*) FROM links), (SELECT count(*) FROM records),
  lower(hex(sha3(
    coalesce((SELECT group_concat(r, char(30)) FROM (SELECT
      id || char(31) || namespace || char(31) || title || char(31) || content || char(31) || tier || char(31) ||
      coalesce((SELECT group_concat(value, ',') FROM json_each(m.tags)), '') || char(31) ||
      priority || char(31) || CAST(round(confidence * 1000000) AS INTEGER) || char(31) || source || char(31) || agent_id || char(31) ||
      coalesce((SELECT group_concat(key, ',') FROM (SELECT key FROM json_each(m.metadata) ORDER BY key)), '') || char(31) ||
      created_at || char(31) || updated_at || char(31) || coalesce(expires_at, '') || char(31) || state || char(31) ||
      coalesce(archived_at, '') || char(31) || origin || char(31) || version AS r
      FROM memories m ORDER BY id)), '') || char(29) ||
    coalesce((SELECT group_concat(r, char(30)) FROM (SELECT
      source_id || char(31) || target_id || char(31) || relation || char(31) || created_at || char(31) ||
      deleted || char(31) || origin || char(31) || version AS r
      FROM links ORDER BY source_id, target_id, relation)), '') || char(29) ||
    coalesce((SELECT group_concat(r, char(30)) FROM (SELECT
      kind || char(31) || key || char(31) ||
      CASE WHEN json_valid(x.value) THEN CASE WHEN json_type(x.value) = 'object' THEN
        coalesce((SELECT group_concat(j.key, ',') FROM (SELECT key FROM json_each(x.value) ORDER BY key) j), '') ELSE '' END ELSE '' END || char(31) ||
      deleted || char(31) || updated_at || char(31) || origin || char(31) || version AS r
      FROM records x ORDER BY kind, key)), ''),
  256)));`

// postgresView is the same for psql (pgcrypto's digest()).
const postgresView = `
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT (SELECT count(*) FROM memories), (SELECT count(*) FROM memories WHERE state = 'deleted'),
  (SELECT count(*) FROM links), (SELECT count(*) FROM records),
  encode(digest(
    coalesce((SELECT string_agg(
      id || chr(31) || namespace || chr(31) || title || chr(31) || content || chr(31) || tier || chr(31) ||
      array_to_string(tags, ',') || chr(31) ||
      priority || chr(31) || round(confidence * 1000000)::bigint || chr(31) || source || chr(31) || agent_id || chr(31) ||
      coalesce((SELECT string_agg(k, ',' ORDER BY k COLLATE "C") FROM jsonb_object_keys(metadata) k), '') || chr(31) ||
      pg_temp.ms(created_at) || chr(31) || pg_temp.ms(updated_at) || chr(31) || coalesce(pg_temp.ms(expires_at)::text, '') || chr(31) || state || chr(31) ||
      coalesce(pg_temp.ms(archived_at)::text, '') || chr(31) || origin || chr(31) || version,
      chr(30) ORDER BY id) FROM memories), '') || chr(29) ||
    coalesce((SELECT string_agg(
      source_id || chr(31) || target_id || chr(31) || relation || chr(31) || pg_temp.ms(created_at) || chr(31) ||
      deleted::int || chr(31) || origin || chr(31) || version,
      chr(30) ORDER BY source_id, target_id, relation) FROM links), '') || chr(29) ||
    coalesce((SELECT string_agg(
      kind || chr(31) || key || chr(31) ||
      CASE WHEN jsonb_typeof(value) = 'object' THEN
        coalesce((SELECT string_agg(k, ',' ORDER BY k COLLATE "C") FROM jsonb_object_keys(value) k), '') ELSE '' END || chr(31) ||
      deleted::int || chr(31) || pg_temp.ms(updated_at) || chr(31) || origin || chr(31) || version,
      chr(30) ORDER BY kind, key) FROM records), ''),
  'sha3-256'), 'hex');`

// msFunction renders a timestamp as the unix milliseconds SQLite stores.
const msFunction = `CREATE OR REPLACE FUNCTION pg_temp.ms(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS 'SELECT floor(extract(epoch FROM t) * 1000)::bigint';`

// sqliteStore reads a SQLite store with the sqlite3 client.
func (e *Env) sqliteStore(ctx context.Context, dir, db string) report.SQLView {
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		return report.SQLView{Error: "sqlite3 client: " + err.Error()}
	}
	return e.sqlView(ctx, cluster.ProcSpec{Name: "sqlite3", Path: path, Dir: dir,
		Args: []string{"-batch", "-noheader", "-separator", " ", "-readonly", db, sqliteView}})
}

// postgresStore reads the PostgreSQL copy with psql.
func (e *Env) postgresStore(ctx context.Context, dir, url string) report.SQLView {
	path, err := exec.LookPath("psql")
	if err != nil {
		return report.SQLView{Error: "psql client: " + err.Error()}
	}
	// pg_temp.ms lives in this session only.
	sql := msFunction + "\n" + postgresView
	return e.sqlView(ctx, cluster.ProcSpec{Name: "psql", Path: path, Dir: dir,
		Args: []string{"-X", "-q", "-A", "-t", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql}})
}

// sqlView runs a client and parses its one line: four counts and a digest.
func (e *Env) sqlView(ctx context.Context, spec cluster.ProcSpec) report.SQLView {
	ctx, cancel := context.WithTimeout(ctx, e.Cfg.Phase1.CommandTimeout.D())
	defer cancel()
	out, _, err := e.Sup.Run(ctx, spec)
	if err != nil {
		return report.SQLView{Error: err.Error()}
	}
	f := strings.Fields(string(out))
	if len(f) != 5 {
		return report.SQLView{Error: fmt.Sprintf("%s printed %q, want four counts and a digest", spec.Name, out)}
	}
	var n [4]int
	for i := range n {
		if n[i], err = strconv.Atoi(f[i]); err != nil {
			return report.SQLView{Error: fmt.Sprintf("%s printed %q: %v", spec.Name, out, err)}
		}
	}
	return report.SQLView{Memories: n[0], Tombstones: n[1], Links: n[2], Records: n[3], Digest: f[4]}
}

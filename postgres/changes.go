package postgres

import (
	"context"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5"
)

// MaxVersion is the greatest version over the three tables, each read off
// its version index.
func (s *Store) MaxVersion(ctx context.Context) (memory.HLC, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT greatest(
		coalesce((SELECT max(version) FROM memories), 0),
		coalesce((SELECT max(version) FROM links), 0),
		coalesce((SELECT max(version) FROM records), 0))`).Scan(&v)
	return memory.HLC(v), s.wrap(ctx, "max version", err)
}

// HeadSeq is the sequence of the newest applied row over the three
// tables, each read off its seq index.
func (s *Store) HeadSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT greatest(
		coalesce((SELECT max(seq) FROM memories), 0),
		coalesce((SELECT max(seq) FROM links), 0),
		coalesce((SELECT max(seq) FROM records), 0))`).Scan(&seq)
	return seq, wrap("head seq", err)
}

// changesWindowSQL finds the seq window of the page after $1 of at most $2
// rows, none beyond $3 (settledSeq), reading at most $2 + 1 entries of
// each seq index. The union is filtered and ordered from outside: written
// so, PostgreSQL merges the three index scans (Merge Append) and stops at
// the limit. With the WHERE inside each arm and the ORDER BY on the union
// itself it read and sorted every row after $1 instead, so paging through
// the feed cost time quadratic in its length (50 ms a page at 100k rows).
const changesWindowSQL = `
	SELECT coalesce(max(seq) FILTER (WHERE rn <= $2), 0), count(*) FROM (
		SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM (
			SELECT seq FROM (
				SELECT seq FROM memories
				UNION ALL SELECT seq FROM links
				UNION ALL SELECT seq FROM records) feed
			WHERE seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2 + 1) page) numbered`

// settledSeq is the greatest change sequence below which every number
// drawn belongs to a transaction that has ended: the sequence's high mark,
// read before an instant's exclusive hold of applyLock, which waits for
// every writer that held it (shared) when the mark was read (applyLock).
func (s *Store) settledSeq(ctx context.Context) (int64, error) {
	var mark int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM change_seq`).Scan(&mark)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(applyLock))
		return err
	})
	return mark, err
}

// Changes returns up to limit rows (at most MaxLimit) applied after
// afterSeq, in seq order.
// It first finds the page's seq window over all three tables (index-only
// work), then reads the rows inside it, both in one snapshot.
func (s *Store) Changes(ctx context.Context, afterSeq int64, limit int) (memory.ChangeSet, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	cs := memory.ChangeSet{NextSeq: afterSeq}
	limit = memory.PageLimit(limit)
	settled, err := s.settledSeq(ctx)
	if err != nil {
		return cs, s.wrap(ctx, "changes", err)
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var upper int64
		var n int
		err := tx.QueryRow(ctx, changesWindowSQL, afterSeq, int64(limit), settled).Scan(&upper, &n)
		if err != nil || n == 0 {
			return err
		}
		cs.More = n > limit
		cs.NextSeq = upper

		rows, err := tx.Query(ctx, `SELECT `+memoryColumns+` FROM memories
			WHERE seq > $1 AND seq <= $2 ORDER BY seq`, afterSeq, upper)
		if err != nil {
			return err
		}
		if cs.Memories, err = collectMemories(rows); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+linkColumns+` FROM links
			WHERE seq > $1 AND seq <= $2 ORDER BY seq`, afterSeq, upper)
		if err != nil {
			return err
		}
		for rows.Next() {
			l, err := scanLink(rows)
			if err != nil {
				rows.Close()
				return err
			}
			cs.Links = append(cs.Links, l)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+recordColumns+` FROM records
			WHERE seq > $1 AND seq <= $2 ORDER BY seq`, afterSeq, upper)
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return err
			}
			cs.Records = append(cs.Records, r)
		}
		return rows.Err()
	})
	if err != nil {
		return memory.ChangeSet{NextSeq: afterSeq}, s.wrap(ctx, "changes", err)
	}
	return cs, nil
}

// Stats summarises the active memories; expiring_soon is within an hour of now.
func (s *Store) Stats(ctx context.Context, now time.Time) (memory.Stats, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var st memory.Stats
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT
				count(*) FILTER (WHERE state = 'active'),
				count(*) FILTER (WHERE state = 'active' AND expires_at > $1 AND expires_at <= $2),
				count(*) FILTER (WHERE state = 'archived'),
				(SELECT count(*) FROM links WHERE NOT deleted),
				pg_database_size(current_database())
			FROM memories`, now, now.Add(time.Hour)).
			Scan(&st.Total, &st.ExpiringSoon, &st.Archived, &st.LinksCount, &st.DBSizeBytes)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT tier, count(*) FROM memories WHERE state = 'active' GROUP BY tier ORDER BY tier`)
		if err != nil {
			return err
		}
		st.ByTier = []memory.TierCount{}
		for rows.Next() {
			var tc memory.TierCount
			var tier string
			if err := rows.Scan(&tier, &tc.Count); err != nil {
				rows.Close()
				return err
			}
			tc.Tier = memory.Tier(tier)
			st.ByTier = append(st.ByTier, tc)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT namespace, count(*) FROM memories WHERE state = 'active' GROUP BY namespace ORDER BY namespace`)
		if err != nil {
			return err
		}
		st.ByNamespace = []memory.NamespaceCount{}
		for rows.Next() {
			var nc memory.NamespaceCount
			if err := rows.Scan(&nc.Namespace, &nc.Count); err != nil {
				rows.Close()
				return err
			}
			st.ByNamespace = append(st.ByNamespace, nc)
		}
		return rows.Err()
	})
	return st, s.wrap(ctx, "stats", err)
}

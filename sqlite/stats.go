package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Stats summarises the active memories; expiring_soon counts those with
// now < expires_at <= now+1h. All counts come from one read snapshot.
func (s *Store) Stats(ctx context.Context, now time.Time) (memory.Stats, error) {
	var st memory.Stats
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx,
		"SELECT tier, count(*) FROM memories WHERE state = 'active' GROUP BY tier ORDER BY tier")
	if err != nil {
		return st, fmt.Errorf("stats by tier: %w", err)
	}
	for rows.Next() {
		var tc memory.TierCount
		if err := rows.Scan(&tc.Tier, &tc.Count); err != nil {
			rows.Close()
			return st, err
		}
		st.ByTier = append(st.ByTier, tc)
		st.Total += tc.Count
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats by tier: %w", err)
	}

	rows, err = tx.QueryContext(ctx,
		"SELECT namespace, count(*) FROM memories WHERE state = 'active' GROUP BY namespace ORDER BY namespace")
	if err != nil {
		return st, fmt.Errorf("stats by namespace: %w", err)
	}
	for rows.Next() {
		var nc memory.NamespaceCount
		if err := rows.Scan(&nc.Namespace, &nc.Count); err != nil {
			rows.Close()
			return st, err
		}
		st.ByNamespace = append(st.ByNamespace, nc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats by namespace: %w", err)
	}

	nowMS := now.UnixMilli()
	var pageCount, pageSize int64
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM memories WHERE expires_at > ? AND expires_at <= ? AND state = 'active'),
		(SELECT count(*) FROM memories WHERE state = 'archived'),
		(SELECT count(*) FROM links WHERE deleted = 0),
		(SELECT page_count FROM pragma_page_count()),
		(SELECT page_size FROM pragma_page_size())`,
		nowMS, nowMS+time.Hour.Milliseconds(),
	).Scan(&st.ExpiringSoon, &st.Archived, &st.LinksCount, &pageCount, &pageSize)
	if err != nil {
		return st, fmt.Errorf("stats counts: %w", err)
	}
	st.DBSizeBytes = pageCount * pageSize
	return st, nil
}

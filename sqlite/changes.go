package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	memory "github.com/aimemory/ai-memory"
)

// MaxVersion is the greatest version the store has applied (schema 4
// keeps it in change_seq, raised by every write transaction).
func (s *Store) MaxVersion(ctx context.Context) (memory.HLC, error) {
	var v int64
	err := s.queryRow(ctx, "SELECT max_version FROM change_seq WHERE id = 1").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("max version: %w", err)
	}
	return memory.HLC(v), nil
}

// headSeqSQL reads the greatest sequence of each table off its seq index.
const headSeqSQL = `SELECT max(
	coalesce((SELECT max(seq) FROM memories), 0),
	coalesce((SELECT max(seq) FROM links), 0),
	coalesce((SELECT max(seq) FROM records), 0))`

// HeadSeq is the sequence of the newest applied row over the three tables.
func (s *Store) HeadSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.queryRow(ctx, headSeqSQL).Scan(&seq); err != nil {
		return 0, fmt.Errorf("head seq: %w", err)
	}
	return seq, nil
}

// Changes returns the rows applied after afterSeq in sequence order, at most
// limit of them. The three tables are read in one read transaction, so the
// page is a consistent snapshot; each is read by its seq index and the
// results merged.
func (s *Store) Changes(ctx context.Context, afterSeq int64, limit int) (memory.ChangeSet, error) {
	limit = memory.PageLimit(limit)
	cs := memory.ChangeSet{NextSeq: afterSeq}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return cs, fmt.Errorf("changes: %w", err)
	}
	defer tx.Rollback()

	type row struct {
		seq  int64
		kind byte // 'm', 'l', 'r'
		idx  int
	}
	var mems []memory.Memory
	var links []memory.Link
	var recs []memory.Record
	var order []row
	read := func(query string, scan func(sc scanner, seq *int64) error) error {
		rows, err := tx.QueryContext(ctx, query, afterSeq, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			if err := scan(rows, &seq); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err = read("SELECT "+memoryColumns("m")+", m.seq FROM memories m WHERE m.seq > ? ORDER BY m.seq LIMIT ?",
		func(sc scanner, seq *int64) error {
			m, err := scanMemory(sc, seq)
			order = append(order, row{*seq, 'm', len(mems)})
			mems = append(mems, m)
			return err
		})
	if err == nil {
		err = read("SELECT "+linkColumns+", seq FROM links WHERE seq > ? ORDER BY seq LIMIT ?",
			func(sc scanner, seq *int64) error {
				l, err := scanLink(sc, seq)
				order = append(order, row{*seq, 'l', len(links)})
				links = append(links, l)
				return err
			})
	}
	if err == nil {
		err = read("SELECT "+recordColumns+", seq FROM records WHERE seq > ? ORDER BY seq LIMIT ?",
			func(sc scanner, seq *int64) error {
				r, err := scanRecord(sc, seq)
				order = append(order, row{*seq, 'r', len(recs)})
				recs = append(recs, r)
				return err
			})
	}
	if err != nil {
		return cs, fmt.Errorf("changes after %d: %w", afterSeq, err)
	}

	slices.SortFunc(order, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	if len(order) > limit {
		order, cs.More = order[:limit], true
	}
	for _, r := range order {
		switch r.kind {
		case 'm':
			cs.Memories = append(cs.Memories, mems[r.idx])
		case 'l':
			cs.Links = append(cs.Links, links[r.idx])
		case 'r':
			cs.Records = append(cs.Records, recs[r.idx])
		}
		cs.NextSeq = r.seq
	}
	return cs, nil
}

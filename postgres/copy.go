package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	memory "github.com/aimemory/ai-memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// COPY sends every value in PostgreSQL's binary form, which the server
// reads with less work than text (no parsing of numbers, timestamps,
// arrays and tsvector literals).

// ftsVector is the tsvector of a memory as pgx sends it in binary. It
// stores exactly what ftsDocument's text gives: lexemes in byte order,
// positions ascending, and, as tsvectorin keeps, only the first of the
// positions clamped to maxPosition (the binary input refuses repeats).
func ftsVector(title, content string, tags []string) pgtype.TSVector {
	p := ftsPool.Get().(*ftsPostings)
	defer ftsPool.Put(p)
	p.build(title, content, tags)
	words := string(p.text) // one allocation for every lexeme's Word
	v := pgtype.TSVector{Lexemes: make([]pgtype.TSVectorLexeme, len(p.lexemes)), Valid: true}
	all := make([]pgtype.TSVectorPosition, 0, len(p.posts)) // and one for every position
	for i, lx := range p.lexemes {
		start, last := len(all), uint32(0)
		for _, post := range p.posts[lx.start:lx.end] {
			if post>>2 == last {
				continue // a clamped repeat
			}
			last = post >> 2
			all = append(all, pgtype.TSVectorPosition{Position: uint16(last), Weight: pgtype.TSVectorWeight("ABC"[post&3])})
		}
		v.Lexemes[i] = pgtype.TSVectorLexeme{Word: words[lx.off : lx.off+lx.n], Positions: all[start:len(all):len(all)]}
	}
	return v
}

// copyColumns of each table, in the order the row sources give values.
var (
	memoryCopyColumns = []string{"id", "tier", "namespace", "title", "content", "tags", "priority",
		"confidence", "source", "agent_id", "metadata", "access_count", "created_at", "updated_at",
		"last_accessed_at", "expires_at", "state", "archived_at", "origin", "version", "seq", "fts"}
	linkCopyColumns   = []string{"source_id", "target_id", "relation", "created_at", "deleted", "origin", "version", "seq"}
	recordCopyColumns = []string{"kind", "key", "value", "deleted", "updated_at", "origin", "version", "seq"}
)

// copyRows feeds one table's rows to CopyFrom, converting each row when
// pgx asks for it: pgx encodes in a goroutine of its own while the
// connection sends, so the conversion overlaps the server's work. seq is
// the change sequence of the first row; the rest follow.
type copyRows struct {
	n, i   int
	seq    int64
	values []any // reused: pgx encodes a row before asking for the next
	row    func(i int, seq int64, values []any) error
	err    error
}

func (c *copyRows) Next() bool {
	if c.err != nil || c.i >= c.n {
		return false
	}
	c.err = c.row(c.i, c.seq+int64(c.i), c.values)
	c.i++
	return c.err == nil
}

func (c *copyRows) Values() ([]any, error) { return c.values, c.err }
func (c *copyRows) Err() error             { return c.err }

func memoryCopyRows(ms []*memory.Memory, seq int64) *copyRows {
	return &copyRows{n: len(ms), seq: seq, values: make([]any, len(memoryCopyColumns)),
		row: func(i int, seq int64, v []any) error {
			m := ms[i]
			tags := m.Tags
			if tags == nil {
				tags = []string{}
			}
			meta := m.Metadata
			if meta == nil {
				meta = map[string]any{}
			}
			mj, err := json.Marshal(meta)
			if err != nil {
				return memory.Errorf(memory.CodeInvalid, "memory %s: metadata: %v", m.ID, err)
			}
			v[0], v[1], v[2], v[3], v[4], v[5] = m.ID, string(m.Tier), m.Namespace, m.Title, m.Content, tags
			v[6], v[7], v[8], v[9], v[10], v[11] = int32(m.Priority), m.Confidence, m.Source, m.AgentID, mj, m.AccessCount
			v[12], v[13], v[14], v[15] = m.CreatedAt, m.UpdatedAt, m.LastAccessedAt, m.ExpiresAt
			v[16], v[17], v[18], v[19] = string(m.State), m.ArchivedAt, m.Origin, int64(m.Version)
			v[20], v[21] = seq, ftsVector(m.Title, m.Content, m.Tags)
			return nil
		}}
}

func linkCopyRows(ls []*memory.Link, seq int64) *copyRows {
	return &copyRows{n: len(ls), seq: seq, values: make([]any, len(linkCopyColumns)),
		row: func(i int, seq int64, v []any) error {
			l := ls[i]
			v[0], v[1], v[2], v[3] = l.SourceID, l.TargetID, string(l.Relation), l.CreatedAt
			v[4], v[5], v[6], v[7] = l.Deleted, l.Origin, int64(l.Version), seq
			return nil
		}}
}

func recordCopyRows(rs []*memory.Record, seq int64) *copyRows {
	return &copyRows{n: len(rs), seq: seq, values: make([]any, len(recordCopyColumns)),
		row: func(i int, seq int64, v []any) error {
			r := rs[i]
			var value []byte // NULL for an absent value
			if len(r.Value) > 0 {
				value = r.Value
			}
			v[0], v[1], v[2], v[3] = r.Kind, r.Key, value, r.Deleted
			v[4], v[5], v[6], v[7] = r.UpdatedAt, r.Origin, int64(r.Version), seq
			return nil
		}}
}

// copyBatch copies the rows into the three tables with change sequences
// from the store's sequence, and counts them. The rows must be new: a key
// the table holds fails the COPY (unique violation). Errors are the
// driver's, for the caller to wrap.
func copyBatch(ctx context.Context, tx pgx.Tx, mems []*memory.Memory, links []*memory.Link, recs []*memory.Record) (memory.ApplyResult, error) {
	var res memory.ApplyResult
	n := int64(len(mems) + len(links) + len(recs))
	if n == 0 {
		return res, nil
	}
	// One round trip takes the page's n sequence numbers; the caller holds
	// applyLock, so no other writer draws from the sequence meanwhile.
	var last int64
	if err := tx.QueryRow(ctx, `SELECT setval('change_seq', nextval('change_seq') + $1 - 1)`, n).Scan(&last); err != nil {
		return res, fmt.Errorf("copy: change sequence: %w", err)
	}
	seq := last - n + 1
	for _, c := range []struct {
		table string
		cols  []string
		rows  *copyRows
		n     *int
	}{
		{"memories", memoryCopyColumns, memoryCopyRows(mems, seq), &res.Memories},
		{"links", linkCopyColumns, linkCopyRows(links, seq+int64(len(mems))), &res.Links},
		{"records", recordCopyColumns, recordCopyRows(recs, seq+int64(len(mems)+len(links))), &res.Records},
	} {
		if c.rows.n == 0 {
			continue
		}
		got, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, c.rows)
		if c.rows.err != nil {
			// A row that cannot be encoded aborts the COPY; the server's
			// answer would only quote the cause, which is the error.
			return memory.ApplyResult{}, c.rows.err
		}
		if err != nil {
			return memory.ApplyResult{}, fmt.Errorf("copy %s: %w", c.table, err)
		}
		*c.n = int(got)
	}
	return res, nil
}

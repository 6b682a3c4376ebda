package original

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	memory "github.com/aimemory/ai-memory"
)

// Source is a database of the original read as this program's rows. Its
// change feed lists each row once, in this order: the memories (the agent
// registry included), the archived memories, the links, then the namespace
// standards, pending actions and subscriptions as records. So it is a
// migrate.Source, and a copy of it reports counts and digests like any
// migration.
//
// Rows that cannot be read (a timestamp that does not parse, an unknown
// link relation) are left out and listed by Problems; rows read with a
// change (corrupt metadata read as {}, values outside this program's
// limits kept as they are) are listed by Warnings. Nothing is left out
// without a line in one of them.
type Source struct {
	db      *sql.DB
	path    string
	version int
	tables  []string
	phases  []phase

	problems      notes
	warnings      notes
	memoryQuery   string // one memory by id
	archivedQuery string // one archived memory by id
}

// phase is one table of the feed.
type phase struct {
	table string
	query string // selects one page: LIMIT ? OFFSET ?
	// read maps the rows of one page into b and returns how many rows it
	// read (mapped or not).
	read func(s *Source, ctx context.Context, rows *sql.Rows, b *memory.Batch) (int, error)
}

// Open opens an original database read-only. It fails with an invalid
// argument error when path is not one.
func Open(path string) (*Source, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	s := &Source{db: db, path: path}
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()
	v, isOriginal, err := detect(ctx, db)
	if err != nil {
		return nil, err
	}
	if !isOriginal {
		return nil, memory.Errorf(memory.CodeInvalid, "%s is not a database of the original ai-memory (no memories and schema_version tables)", path)
	}
	s.version = v
	if s.tables, err = tableNames(ctx, db); err != nil {
		return nil, err
	}
	if err := s.plan(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// Close closes the database.
func (s *Source) Close() error { return s.db.Close() }

// SchemaVersion is the database's schema version.
func (s *Source) SchemaVersion() int { return s.version }

// plan builds the query of every table the feed reads, from the columns
// the database has: a column added by a later schema version reads as its
// default when absent.
func (s *Source) plan(ctx context.Context) error {
	for _, t := range feedTables {
		if !slices.Contains(s.tables, t.name) {
			if t.required {
				return memory.Errorf(memory.CodeInvalid, "%s has no %s table", s.path, t.name)
			}
			continue
		}
		have, err := columnNames(ctx, s.db, t.name)
		if err != nil {
			return err
		}
		exprs := make([]string, len(t.columns))
		for i, c := range t.columns {
			switch {
			case have[c.name]:
				exprs[i] = quoteIdent(c.name)
			case c.absent != "":
				exprs[i] = c.absent + " AS " + quoteIdent(c.name)
			default:
				return memory.Errorf(memory.CodeInvalid, "%s: table %s has no column %s", s.path, t.name, c.name)
			}
		}
		sel := "SELECT " + strings.Join(exprs, ", ") + " FROM " + quoteIdent(t.name)
		switch t.name {
		case "memories":
			s.memoryQuery = sel + " WHERE id = ?"
		case "archived_memories":
			s.archivedQuery = sel + " WHERE id = ?"
		}
		s.phases = append(s.phases, phase{table: t.name, query: sel + " ORDER BY " + t.order + " LIMIT ? OFFSET ?", read: t.read})
	}
	return nil
}

// A feed position is a phase and a row offset within it.
const offsetBits = 40

// Changes returns the rows after position afterSeq, at most limit (see
// memory.PageLimit) and all from one table. The file is read as it is: a
// process writing it meanwhile may shift the offsets, so import from a
// database no program is using.
func (s *Source) Changes(ctx context.Context, afterSeq int64, limit int) (memory.ChangeSet, error) {
	limit = memory.PageLimit(limit)
	ph, off := int(afterSeq>>offsetBits), afterSeq&(1<<offsetBits-1)
	for ph < len(s.phases) {
		b := &memory.Batch{}
		n, err := s.readPage(ctx, s.phases[ph], limit, off, b)
		if err != nil {
			return memory.ChangeSet{NextSeq: afterSeq}, err
		}
		switch {
		case n == limit:
			return memory.ChangeSet{Batch: *b, NextSeq: int64(ph)<<offsetBits | (off + int64(n)), More: true}, nil
		case n > 0:
			return memory.ChangeSet{Batch: *b, NextSeq: int64(ph+1) << offsetBits, More: ph+1 < len(s.phases)}, nil
		}
		ph, off = ph+1, 0
	}
	return memory.ChangeSet{NextSeq: afterSeq}, nil
}

// readPage maps one page of a table into b.
func (s *Source) readPage(ctx context.Context, p phase, limit int, off int64, b *memory.Batch) (int, error) {
	rows, err := s.db.QueryContext(ctx, p.query, limit, off)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", p.table, err)
	}
	defer rows.Close()
	n, err := p.read(s, ctx, rows, b)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", p.table, err)
	}
	return n, nil
}

// GetMemory returns an active or archived memory by id.
func (s *Source) GetMemory(ctx context.Context, id string) (*memory.Memory, error) {
	for _, q := range []struct {
		query    string
		archived bool
	}{{s.memoryQuery, false}, {s.archivedQuery, true}} {
		if q.query == "" {
			continue
		}
		var r rawMemory
		err := s.db.QueryRowContext(ctx, q.query, id).Scan(r.dest(q.archived)...)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		m, err := r.memory(q.archived, func(string) {})
		if err != nil {
			return nil, memory.Errorf(memory.CodeInvalid, "%v", err)
		}
		return &m, nil
	}
	return nil, memory.Errorf(memory.CodeNotFound, "memory %s not found", id)
}

// Problems lists the rows left out, each with its reason.
func (s *Source) Problems() []string { return s.problems.list() }

// Warnings lists the rows read with a change, each with what changed.
func (s *Source) Warnings() []string { return s.warnings.list() }

func (s *Source) problem(format string, args ...any) { s.problems.add(fmt.Sprintf(format, args...)) }
func (s *Source) warn(format string, args ...any)    { s.warnings.add(fmt.Sprintf(format, args...)) }

// notes is a list of distinct messages, safe for concurrent use. It keeps
// the first maxNotes and counts the rest, so a database with a million bad
// rows reports every one in the count without a million lines.
type notes struct {
	mu    sync.Mutex
	seen  map[string]bool
	kept  []string
	extra int
}

const maxNotes = 200

func (n *notes) add(msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[msg] {
		return
	}
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	n.seen[msg] = true
	if len(n.kept) < maxNotes {
		n.kept = append(n.kept, msg)
		return
	}
	n.extra++
}

func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := append([]string{}, n.kept...)
	if n.extra > 0 {
		out = append(out, fmt.Sprintf("… and %d more like these", n.extra))
	}
	return out
}

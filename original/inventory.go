package original

import (
	"context"
	"slices"
)

// Table is a table of the original database and its row count.
type Table struct {
	Name string `json:"table"`
	Rows int    `json:"rows"`
	// CopiedAs names the kinds of rows it becomes here (see
	// migrate.KindOf); empty for a table with no equivalent here.
	CopiedAs string `json:"copied_as,omitempty"`
}

// Column is a column whose values have no equivalent here, and how many
// rows hold a value in it.
type Column struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Rows   int    `json:"rows"`
}

// Inventory says what a copy of the database takes and what it leaves.
type Inventory struct {
	SchemaVersion int `json:"schema_version"`
	// Copied are the tables the feed reads.
	Copied []Table `json:"copied"`
	// NotCopied are the tables with no equivalent here, every one listed
	// (empty ones too). Bookkeeping tables (schema_version, the full-text
	// index, SQLite's own) are not listed: they hold no data of their own.
	NotCopied []Table `json:"not_copied"`
	// ColumnsNotCopied are columns of copied tables whose values are not
	// carried, with the number of rows that hold one.
	ColumnsNotCopied []Column `json:"columns_not_copied"`
}

// copiedAs maps the tables the feed reads to the kinds they become.
var copiedAs = map[string]string{
	"memories":          "memories, agents",
	"archived_memories": "archived",
	"memory_links":      "links",
	"namespace_meta":    "namespace_standard",
	"pending_actions":   "pending",
	"subscriptions":     "subscription",
}

// lostColumns are the columns of copied tables not carried, each with the
// condition under which a row's value says something (a default or a
// value derived from another column says nothing).
var lostColumns = []struct{ table, column, holds string }{
	{"memories", "embedding", "embedding IS NOT NULL"},
	{"archived_memories", "embedding", "embedding IS NOT NULL"},
	{"archived_memories", "archive_reason", "archive_reason IS NOT NULL"},
	{"archived_memories", "original_tier", "original_tier IS NOT NULL AND original_tier <> tier"},
	{"archived_memories", "original_expires_at", "original_expires_at IS NOT NULL AND original_expires_at IS NOT expires_at"},
	{"memory_links", "valid_from", "valid_from IS NOT NULL AND valid_from <> created_at"},
	{"memory_links", "valid_until", "valid_until IS NOT NULL"},
	{"memory_links", "observed_by", "observed_by IS NOT NULL"},
	{"memory_links", "signature", "signature IS NOT NULL"},
	{"memory_links", "attest_level", "attest_level IS NOT NULL AND attest_level <> 'unsigned'"},
}

// Inventory counts the rows of every table and of every column not
// carried.
func (s *Source) Inventory(ctx context.Context) (Inventory, error) {
	inv := Inventory{SchemaVersion: s.version, Copied: []Table{}, NotCopied: []Table{}, ColumnsNotCopied: []Column{}}
	for _, name := range s.tables {
		if internalTable(name) {
			continue
		}
		t := Table{Name: name, CopiedAs: copiedAs[name]}
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(name)).Scan(&t.Rows); err != nil {
			return inv, err
		}
		if t.CopiedAs != "" {
			inv.Copied = append(inv.Copied, t)
		} else {
			inv.NotCopied = append(inv.NotCopied, t)
		}
	}
	for _, c := range lostColumns {
		if !slices.Contains(s.tables, c.table) {
			continue
		}
		have, err := columnNames(ctx, s.db, c.table)
		if err != nil {
			return inv, err
		}
		if !have[c.column] {
			continue
		}
		col := Column{Table: c.table, Column: c.column}
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(c.table)+" WHERE "+c.holds).Scan(&col.Rows); err != nil {
			return inv, err
		}
		if col.Rows > 0 {
			inv.ColumnsNotCopied = append(inv.ColumnsNotCopied, col)
		}
	}
	return inv, nil
}

package sqlite

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

// A file that holds another program's tables is refused before anything
// writes it: its bytes stay the same.
func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "theirs.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE memories (id TEXT PRIMARY KEY, created_at TEXT); CREATE TABLE schema_version (version INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{})
	if memory.ErrorCode(err) != memory.CodeInvalid || !strings.Contains(err.Error(), "memories, schema_version") {
		t.Fatalf("Open = %v; want invalid_argument naming the tables", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the refused file was changed")
	}
}

//go:build ncruces

package main

import (
	"database/sql"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

const driverPackage = "github.com/ncruces/go-sqlite3"

// FTS5 is an extension each connection registers.
func openDB(path string) (*sql.DB, error) {
	return driver.Open(path, func(c *sqlite3.Conn) error { return fts5.Register(c) })
}

//go:build mattn

package main

import (
	"database/sql"

	_ "github.com/mattn/go-sqlite3" // FTS5 needs -tags sqlite_fts5
)

const driverPackage = "github.com/mattn/go-sqlite3"

func openDB(path string) (*sql.DB, error) { return sql.Open("sqlite3", path) }

//go:build !mattn && !ncruces

package main

import (
	"database/sql"

	"modernc.org/sqlite"
)

const driverPackage = "modernc.org/sqlite"

// The store syncs with fdatasync, as SQLite's own Linux builds do.
func init() { sqlite.Fdatasync(true) }

func openDB(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }

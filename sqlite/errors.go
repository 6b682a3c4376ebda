package sqlite

import (
	"errors"
	"syscall"

	memory "github.com/aimemory/ai-memory"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// storageError gives a write that failed because of the disk the code its
// caller must act on:
//   - a full disk (SQLITE_FULL, ENOSPC) is insufficient_storage: SQLite
//     failed the transaction before its commit record was written, so the
//     write is not applied;
//   - any other I/O error (SQLITE_IOERR_*, EIO) is unavailable: a failed
//     sync at commit leaves it unknown whether the write will be found
//     after a restart, so the client must read or retry.
//
// Other errors pass unchanged.
func storageError(err error) error {
	switch {
	case err == nil:
		return nil
	case diskFull(err):
		return &memory.Error{Code: memory.CodeInsufficientStorage,
			Message: "disk full: the write was not applied; free space and retry", Cause: err}
	case ioFailure(err):
		return &memory.Error{Code: memory.CodeUnavailable,
			Message: "storage I/O error: the write may not be durable; read it back or retry", Cause: err}
	}
	return err
}

func diskFull(err error) bool {
	return primaryCode(err) == sqlite3.SQLITE_FULL || errors.Is(err, syscall.ENOSPC)
}

func ioFailure(err error) bool {
	return primaryCode(err) == sqlite3.SQLITE_IOERR || errors.Is(err, syscall.EIO)
}

// primaryCode is the SQLite result code in err's chain without its extended
// part (SQLITE_IOERR_FSYNC is SQLITE_IOERR), or 0.
func primaryCode(err error) int {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0
	}
	return se.Code() & 0xff
}

// isBusy reports SQLITE_BUSY or SQLITE_LOCKED: another connection holds
// the lock.
func isBusy(err error) bool {
	code := primaryCode(err)
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

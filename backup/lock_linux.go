package backup

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// In WAL mode every SQLite connection holds a read lock on one byte of the
// -shm file (the "DMS" slot, offset 120 + 8 lock slots = 128) for as long
// as the database is open. Asking the kernel who would block a write lock
// on it tells whether another process has the database open, and which.
const shmDMSOffset = 128

// inUse reports whether another process has db open, with its pid.
func inUse(db string) (int, bool, error) {
	f, err := os.OpenFile(db+"-shm", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: shmDMSOffset, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return 0, false, err
	}
	if lk.Type == syscall.F_UNLCK {
		return 0, false, nil
	}
	return int(lk.Pid), true, nil
}

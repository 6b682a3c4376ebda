package lazyfs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountEntry is the last lazyfs mount at path in this process's mount
// namespace, read from /proc/self/mountinfo: reading it never touches the
// mount, which may hang if its server is stuck.
func mountEntry(path string) (dev string, ok bool, err error) {
	path, err = filepath.Abs(path)
	if err != nil {
		return "", false, err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint opts... - fstype source opts
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		sep := slices.Index(fields[5:], "-") + 5 // optional fields end at "-"
		if sep < 5 || sep+1 >= len(fields) {
			continue
		}
		if unescape(fields[4]) == path && fields[sep+1] == "fuse.lazyfs" {
			dev, ok = fields[2], true
		}
	}
	return dev, ok, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space, ...).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Mounted reports whether a lazyfs is mounted at path.
func Mounted(path string) (bool, error) {
	_, ok, err := mountEntry(path)
	return ok, err
}

// ForceUnmount removes a lazyfs mount at path whose server died or hangs:
// it aborts the FUSE connection conn (so nothing stays blocked on it),
// then detaches the mount. It does nothing if no lazyfs is mounted there,
// and aborts only if the mount there is still connection conn, so a
// number reused by another mount is never touched.
func ForceUnmount(path string, conn int) error {
	dev, ok, err := mountEntry(path)
	if err != nil || !ok {
		return err
	}
	var errs []error
	if conn > 0 && dev == "0:"+strconv.Itoa(conn) {
		errs = append(errs, abort(conn))
	}
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		errs = append(errs, fmt.Errorf("lazyfs: detach %s: %w", path, err))
	}
	return errors.Join(errs...)
}

// abort writes 1 to the connection's abort file. The fusectl filesystem
// is mounted for that on a private directory of our own and unmounted
// again, so nothing is left mounted and nobody else's fusectl mount is
// touched.
func abort(conn int) error {
	dir, err := os.MkdirTemp("", "lazyfs-fusectl-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := unix.Mount("fusectl", dir, "fusectl", 0, ""); err != nil {
		return fmt.Errorf("lazyfs: mount fusectl: %w", err)
	}
	defer unix.Unmount(dir, 0)
	err = os.WriteFile(filepath.Join(dir, strconv.Itoa(conn), "abort"), []byte("1"), 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil // the connection is gone already
	}
	return err
}

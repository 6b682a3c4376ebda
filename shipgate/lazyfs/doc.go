// Package lazyfs is a FUSE filesystem over a backing directory that can
// lose what was never made durable, as a power cut would, and fail writes
// or fsyncs on demand. ship-gate mounts one under each node's data
// directory for the power_loss, disk_full and disk_error fault classes:
// kill -9 alone cannot show a missing fsync, because the page cache
// survives it.
//
// # Model
//
// Writes go straight through to the backing file, so reads, mmap and
// file sizes behave as on any loopback mount (the mount is not direct-io:
// SQLite mmaps its -shm file). What a cut must drop is kept as an undo
// log per file: the size as of the last fsync or fdatasync, and the
// durable contents of every 4 KiB page changed since, saved before the
// first change. fsync and fdatasync empty the log. So do msync(MS_SYNC)
// and writes through an O_SYNC or O_DSYNC descriptor, which the kernel
// follows with an fsync request; that request covers the whole file, so
// such a write also makes earlier unsynced writes to the file durable,
// where a local filesystem would sync only its range. Closing a file makes
// nothing durable, and sync(2)/syncfs(2) never reach a FUSE filesystem.
// Cut restores every file to its durable size and pages.
//
// # Faults
//
//   - enospc: a full disk. Writes and space-allocating fallocate calls
//     fail with ENOSPC; fsync still succeeds and makes durable what was
//     written before, whose space was already reserved. Truncation,
//     hole punching and metadata operations still succeed.
//   - eio-write: writes and fallocate fail with EIO.
//   - eio-fsync: fsync and fdatasync (of directories too) fail with EIO,
//     and, as on Linux after a failed fsync, the pages they covered are
//     lost: a later successful fsync does not make them durable (only a
//     new write to the page does), so a cut drops them. Pages are 4 KiB,
//     as in the page cache. The size a later fsync records is kept, so
//     lost pages come back as their old contents or zeros.
//   - none: normal operation.
//
// # Limits
//
//   - Metadata is synchronous: create, rename, unlink, link, mkdir and
//     rmdir are durable at once, and directory fsyncs are accepted as
//     no-ops. A missing directory fsync is therefore not caught. A file
//     created and never synced survives a cut, empty.
//   - The backing files are never fsynced themselves: the simulated
//     machine loses power, not the real one.
//   - Cut assumes no process has a file of the mount open or mapped (the
//     harness kills the node first); it does not stop one from writing
//     during or after the cut.
//   - copy_file_range is refused (the kernel then copies through reads and
//     writes, which are tracked), as are fallocate modes that shift data
//     (collapse and insert range).
//   - File locks are the kernel's local locks, which is right for
//     processes on one machine.
//   - Bytes dropped by a cut are counted at page granularity: a restored
//     page counts whole, however few of its bytes had changed.
package lazyfs

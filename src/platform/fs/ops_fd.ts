import { DiskError, type DiskStat } from '../../disk/index.js'
import type { FsContext } from './context.js'
import type { OpenFile } from './fd_table.js'
import type { OpenMode } from './flags.js'
import { systemError } from './node_error.js'
import type { SimPath } from './path.js'
import { io, type Op } from './step.js'

/**
 * The operations on descriptors: open, close, read, write, stat, truncate,
 * sync, times and mode through an fd. Each is a generator of disk steps (see
 * step.ts); the descriptor is looked up when its step runs, as the kernel does
 * at the syscall, so an fd closed while a read is in flight fails that read
 * with EBADF.
 */

/** The simulated process's umask: `open(path, 'w')` creates 0o644, `mkdir` 0o755, as on a usual Linux host. */
export const SIMULATED_UMASK = 0o022

/** The open descriptor `fd`, or EBADF for `syscall`. */
export function openFile(context: FsContext, fd: number, syscall: string): OpenFile {
  const file = context.fds.get(fd)
  if (file === undefined) throw systemError('EBADF', syscall)
  return file
}

/** open(2) on the simulated namespace: creation, O_EXCL, O_TRUNC, O_DIRECTORY and the EISDIR/ENOTDIR rules of Linux. */
export function* openOp(context: FsContext, path: SimPath, mode: OpenMode, permissions: number, syscall = 'open'): Op<OpenFile> {
  return yield* io('metadata', syscall, path.given, () => openNow(context, path, mode, permissions, syscall))
}

/** openOp's one step, run when the disk completes it (step.ts `stepPromise` runs it directly). */
export function openNow(context: FsContext, path: SimPath, mode: OpenMode, permissions: number, syscall = 'open'): OpenFile {
  const disk = context.disk
  if (path.resolved === '') throw new DiskError('ENOENT', syscall)
  let stat = mode.create ? disk.lookupOrNull(path.resolved) : disk.lookup(path.resolved)
  if (stat === null) {
    // A name ending in '/' can only be a directory, and open never creates one.
    if (path.trailing_slash) throw new DiskError('EISDIR', syscall)
    const created = disk.createFile(path.resolved, permissions & ~SIMULATED_UMASK & 0o7777, true)
    stat = disk.statIno(created.ino)
  } else {
    if (mode.create && mode.exclusive) throw new DiskError('EEXIST', syscall)
    if (stat.kind === 'directory') {
      if (mode.writable || mode.truncate || mode.create) throw new DiskError('EISDIR', syscall)
    } else {
      if (mode.directory || path.trailing_slash) throw new DiskError('ENOTDIR', syscall)
      if (mode.truncate && mode.writable && stat.size_bytes > 0) disk.truncate(stat.ino, 0)
    }
  }
  const file = context.fds.open({ ino: stat.ino, kind: stat.kind, path: path.resolved, mode })
  if (file === null) throw systemError('EMFILE', syscall, path.given)
  // The descriptor holds its inode: an unlinked file lives on until its last descriptor closes.
  disk.retain(stat.ino)
  return file
}

/** close(2): releases the descriptor; there is nothing to flush (data is on the disk's volatile view already). */
export function* closeOp(context: FsContext, fd: number): Op<void> {
  closeNow(context, fd)
}

/** closeOp's body: no disk step (the drivers complete it one metadata latency later). */
export function closeNow(context: FsContext, fd: number): void {
  const file = context.fds.close(fd)
  if (file === undefined) throw systemError('EBADF', 'close')
  context.disk.release(file.ino)
}

/** Where a read or write without an explicit position happens, and whether it moves the file position. */
function positionOf(file: OpenFile, position: number | null): { at: number; moves: boolean } {
  return position === null || position < 0 ? { at: file.position, moves: true } : { at: position, moves: false }
}

/** pread/read(2) into `target` at `offset`: the bytes read (0 at end of file). */
export function* readOp(context: FsContext, fd: number, target: Uint8Array, offset: number, length: number, position: number | null): Op<number> {
  return yield* io('read', 'read', undefined, () => readNow(context, fd, target, offset, length, position))
}

/** readOp's one step. */
export function readNow(context: FsContext, fd: number, target: Uint8Array, offset: number, length: number, position: number | null): number {
  const file = openFile(context, fd, 'read')
  if (!file.mode.readable) throw new DiskError('EBADF', 'read')
  if (file.kind === 'directory') throw new DiskError('EISDIR', 'read')
  const { at, moves } = positionOf(file, position)
  const read = context.disk.readInto(file.ino, at, target, offset, length)
  if (!(read >= 0 && read <= length)) throw new Error(`SimDisk.readInto read ${read} bytes for a read of ${length}`)
  if (moves) file.position = at + read
  return read
}

/** readv(2): one read filling `targets` in order. */
export function* readvOp(context: FsContext, fd: number, targets: readonly ArrayBufferView[], position: number | null): Op<number> {
  const views = targets.map((target) => new Uint8Array(target.buffer, target.byteOffset, target.byteLength))
  const total = views.reduce((sum, view) => sum + view.length, 0)
  const scratch = new Uint8Array(total)
  const read = yield* readOp(context, fd, scratch, 0, total, position)
  let at = 0
  for (const view of views) {
    if (at >= read) break
    const count = Math.min(view.length, read - at)
    view.set(scratch.subarray(at, at + count))
    at += count
  }
  return read
}

/**
 * pwrite/write(2) of `bytes`: the number written, which a short-write fault can
 * make smaller than asked (careful code loops). O_APPEND writes at the end of
 * the file whatever the position says (Linux ignores pwrite's position there);
 * O_SYNC/O_DSYNC make the data durable before returning.
 */
export function* writeOp(context: FsContext, fd: number, bytes: Uint8Array, position: number | null): Op<number> {
  return yield* io('write', 'write', undefined, () => writeNow(context, fd, bytes, position))
}

/** writeOp's one step. */
export function writeNow(context: FsContext, fd: number, bytes: Uint8Array, position: number | null): number {
  const file = openFile(context, fd, 'write')
  if (!file.mode.writable) throw new DiskError('EBADF', 'write')
  if (file.kind === 'directory') throw new DiskError('EISDIR', 'write')
  const disk = context.disk
  const { at, moves } = file.mode.append ? { at: disk.statIno(file.ino).size_bytes, moves: true } : positionOf(file, position)
  if (bytes.length === 0) return 0
  const written = disk.write(file.ino, at, bytes)
  if (!(written >= 0 && written <= bytes.length)) throw new Error(`SimDisk.write wrote ${written} of ${bytes.length} bytes`)
  if (file.mode.sync) disk.fsync(file.ino)
  if (moves) file.position = at + written
  return written
}

export function* fstatOp(context: FsContext, fd: number): Op<DiskStat> {
  return yield* io('metadata', 'fstat', undefined, () => context.disk.statIno(openFile(context, fd, 'fstat').ino))
}

/** ftruncate(2); Node clamps a negative length to 0. A descriptor not open for writing is EINVAL on Linux. */
export function* ftruncateOp(context: FsContext, fd: number, length: number): Op<void> {
  yield* io('write', 'ftruncate', undefined, () => {
    const file = openFile(context, fd, 'ftruncate')
    if (!file.mode.writable || file.kind === 'directory') throw new DiskError('EINVAL', 'ftruncate')
    context.disk.truncate(file.ino, Math.max(0, length))
  })
}

/** fsync(2)/fdatasync(2): files and directories (opened 'r') alike. */
export function* fsyncOp(context: FsContext, fd: number, syscall: 'fsync' | 'fdatasync'): Op<void> {
  yield* io('sync', syscall, undefined, () => fsyncNow(context, fd, syscall))
}

/** fsyncOp's one step. */
export function fsyncNow(context: FsContext, fd: number, syscall: 'fsync' | 'fdatasync'): void {
  context.disk.fsync(openFile(context, fd, syscall).ino)
}

export function* futimesOp(context: FsContext, fd: number, atime_ns: bigint | null, mtime_ns: bigint | null): Op<void> {
  yield* io('metadata', 'futime', undefined, () => {
    const file = openFile(context, fd, 'futime')
    if (atime_ns === null || mtime_ns === null) throw new DiskError('EINVAL', 'futime')
    context.disk.setTimes(file.ino, atime_ns, mtime_ns)
  })
}

export function* fchmodOp(context: FsContext, fd: number, mode: number): Op<void> {
  yield* io('metadata', 'fchmod', undefined, () => context.disk.setMode(openFile(context, fd, 'fchmod').ino, mode & 0o7777))
}

import { DiskError } from '../../disk/index.js'
import type { FsContext } from './context.js'
import { decodeFlags, type OpenMode } from './flags.js'
import { AbortError, systemError } from './node_error.js'
import { closeOp, fstatOp, ftruncateOp, fsyncOp, openOp, readOp, writeOp } from './ops_fd.js'
import { lookupPath } from './ops_path.js'
import type { SimPath } from './path.js'
import { io, type Op } from './step.js'
import { constants } from 'node:fs'

/**
 * Whole-file operations, built from the descriptor operations exactly as
 * Node builds them (open, fstat, read until the end, close; open, write until
 * everything is written, close), so each part is its own disk step with its
 * own latency and a crash or a concurrent writer can land between them.
 */

/** Node reads and writes whole files in chunks of this size (kReadFileBufferLength). */
export const FILE_CHUNK_BYTES = 512 * 1024
/** Read size when fstat reports no size (Node's kReadFileUnknownBufferLength). */
const UNKNOWN_SIZE_CHUNK_BYTES = 64 * 1024
/** Writes returning 0 bytes in a row before writeFile gives up with EIO instead of spinning. */
const MAX_EMPTY_WRITES = 16

/** A whole-file operation names a file by path (and opens it) or by a descriptor the caller owns. */
export type FileSource = { readonly path: SimPath; readonly flags: OpenMode; readonly mode: number } | { readonly fd: number }

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
}

function* openSource(context: FsContext, source: FileSource): Op<{ fd: number; owned: boolean }> {
  if ('fd' in source) return { fd: source.fd, owned: false }
  const file = yield* openOp(context, source.path, source.flags, source.mode)
  return { fd: file.fd, owned: true }
}

export function* readFileOp(context: FsContext, source: FileSource, signal?: AbortSignal): Op<Buffer> {
  checkAborted(signal)
  const { fd, owned } = yield* openSource(context, source)
  try {
    checkAborted(signal)
    const stat = yield* fstatOp(context, fd)
    const size = stat.kind === 'file' ? stat.size_bytes : 0
    if (size > 0) {
      const buffer = Buffer.allocUnsafe(size)
      let filled = 0
      while (filled < size) {
        checkAborted(signal)
        const read = yield* readOp(context, fd, buffer, filled, Math.min(FILE_CHUNK_BYTES, size - filled), null)
        if (read === 0) break
        filled += read
      }
      return filled < size ? buffer.subarray(0, filled) : buffer
    }
    // Size unknown (or zero): read until a read returns nothing, as Node does.
    const chunks: Buffer[] = []
    for (;;) {
      checkAborted(signal)
      const chunk = Buffer.allocUnsafe(UNKNOWN_SIZE_CHUNK_BYTES)
      const read = yield* readOp(context, fd, chunk, 0, chunk.length, null)
      if (read === 0) break
      chunks.push(chunk.subarray(0, read))
    }
    return Buffer.concat(chunks)
  } finally {
    if (owned) yield* closeOp(context, fd)
  }
}

/** Writes all of `data` from the descriptor's position, looping over short writes. */
export function* writeAllOp(context: FsContext, fd: number, data: Uint8Array, signal?: AbortSignal): Op<void> {
  let offset = 0
  let empty_writes = 0
  while (offset < data.length) {
    checkAborted(signal)
    const written = yield* writeOp(context, fd, data.subarray(offset, offset + Math.min(FILE_CHUNK_BYTES, data.length - offset)), null)
    if (written === 0) {
      if (++empty_writes >= MAX_EMPTY_WRITES) throw systemError('EIO', 'write')
      continue
    }
    empty_writes = 0
    offset += written
  }
}

export function* writeFileOp(context: FsContext, target: FileSource, data: Uint8Array, flush: boolean, signal?: AbortSignal): Op<void> {
  checkAborted(signal)
  const { fd, owned } = yield* openSource(context, target)
  try {
    yield* writeAllOp(context, fd, data, signal)
    if (flush) yield* fsyncOp(context, fd, 'fsync')
  } finally {
    if (owned) yield* closeOp(context, fd)
  }
}

/** copyfile: one disk step, like the single copy_file_range it stands for; the copy gets the source's mode. */
export function* copyFileOp(context: FsContext, source: SimPath, target: SimPath, mode: number): Op<void> {
  const exclusive = (mode & constants.COPYFILE_EXCL) !== 0
  yield* io(
    'write',
    'copyfile',
    source.given,
    () => {
      const disk = context.disk
      const stat = lookupPath(context, source, 'copyfile')
      if (stat.kind === 'directory') throw new DiskError('EISDIR', 'copyfile')
      if (target.resolved === '') throw new DiskError('ENOENT', 'copyfile')
      let existing = null
      try {
        existing = disk.lookup(target.resolved)
      } catch (error) {
        if (!(error instanceof DiskError && error.code === 'ENOENT')) throw error
      }
      if (existing !== null && exclusive) throw new DiskError('EEXIST', 'copyfile')
      if (existing !== null && existing.kind === 'directory') throw new DiskError('EISDIR', 'copyfile')
      if (existing !== null && existing.ino === stat.ino) return
      const bytes = stat.size_bytes === 0 ? new Uint8Array(0) : disk.read(stat.ino, 0, stat.size_bytes)
      const ino = existing === null ? disk.createFile(target.resolved, stat.mode, true).ino : existing.ino
      if (existing !== null) disk.truncate(ino, 0)
      let offset = 0
      for (let attempts = 0; offset < bytes.length; attempts++) {
        if (attempts > bytes.length + MAX_EMPTY_WRITES) throw new DiskError('EIO', 'copyfile')
        offset += disk.write(ino, offset, bytes.subarray(offset))
      }
    },
    target.given,
  )
}

const R_PLUS = decodeFlags(constants.O_RDWR)

/** truncate(path, len), as Node does it: open 'r+', ftruncate, close. */
export function* truncatePathOp(context: FsContext, path: SimPath, length: number): Op<void> {
  const file = yield* openOp(context, path, R_PLUS, 0o666)
  try {
    yield* ftruncateOp(context, file.fd, length)
  } finally {
    yield* closeOp(context, file.fd)
  }
}

import type { Simulation } from '../../sim/simulation.js'
import { fsContext } from './context.js'
import { parseFileMode, parseOpenFlags } from './flags.js'
import { callbackForm, requireCallback, syncForm, type Callback, type Make, type Simulated } from './forms.js'
import { invalidArgValue } from './node_error.js'
import { closeOp, fchmodOp, fstatOp, fsyncOp, ftruncateOp, futimesOp, openOp, readOp, readvOp, writeOp } from './ops_fd.js'
import { toSimPath } from './path.js'
import { toStats } from './stats.js'
import { toUnixTimestampNs } from './times.js'
import {
  validateArrayBufferView,
  validateBufferArray,
  validateFd,
  validateInteger,
  validateOffsetLengthRead,
  validateOffsetLengthWrite,
  validateOptionsObject,
  validatePosition,
  validateStringData,
} from './validate.js'

/**
 * node:fs functions on descriptors (and `open`), callback and sync forms, with
 * Node 20's argument handling (lib/fs.js): overloads, defaults and validation
 * happen in the same order, so bad arguments fail the same way.
 */

const DEFAULT_READ_BUFFER_BYTES = 16384

export interface ReadRequest {
  readonly fd: number
  readonly buffer: ArrayBufferView
  readonly offset: number
  readonly length: number
  readonly position: number | null
}

/** Node's position argument as the operations take it: null for "the current position". */
export function toPosition(position: unknown): number | null {
  if (position === null || position === undefined) return null
  validatePosition(position, 'position')
  const value = Number(position)
  return value < 0 ? null : value
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

/** readSync's and read's common checks after the overloads are settled; null for a zero-length read. */
export function checkRead(fd: number, buffer: unknown, offset: unknown, length: unknown, position: unknown): ReadRequest | null {
  validateArrayBufferView(buffer, 'buffer')
  let at = 0
  if (offset !== undefined && offset !== null) {
    validateInteger(offset, 'offset', 0)
    at = offset
  }
  const count = (length as number) | 0
  if (count === 0) return null
  if (buffer.byteLength === 0) throw invalidArgValue('buffer', buffer, 'is empty and cannot be written')
  validateOffsetLengthRead(at, count, buffer.byteLength)
  return { fd, buffer, offset: at, length: count, position: toPosition(position) }
}

/** Node's `{ offset = 0, length = buffer.byteLength - offset, position = null } = options ?? {}`. */
export function readOptions(options: unknown, buffer: unknown): { offset: unknown; length: unknown; position: unknown } {
  const given = (options ?? {}) as { offset?: unknown; length?: unknown; position?: unknown }
  const offset = given.offset === undefined ? 0 : given.offset
  const byte_length = ArrayBuffer.isView(buffer) ? buffer.byteLength : Number.NaN
  const length = given.length === undefined ? byte_length - (offset as number) : given.length
  return { offset, length, position: given.position === undefined ? null : given.position }
}

export function readMake(request: ReadRequest): Make<number> {
  return (context) => readOp(context, request.fd, bytesOf(request.buffer), request.offset, request.length, request.position)
}

/** writeSync/write with a buffer: offset, length and position after Node's defaults. */
export function checkWriteBuffer(buffer: ArrayBufferView, offset_or_options: unknown, length: unknown, position: unknown): { bytes: Uint8Array; position: number | null } {
  let offset = offset_or_options
  if (typeof offset === 'object' && offset !== null) {
    const options = offset as { offset?: unknown; length?: unknown; position?: unknown }
    offset = options.offset ?? 0
    length = options.length ?? buffer.byteLength - (offset as number)
    position = options.position ?? null
  }
  let at = 0
  if (offset !== undefined && offset !== null && typeof offset !== 'function') {
    validateInteger(offset, 'offset', 0)
    at = offset
  }
  const count = typeof length === 'number' ? length : buffer.byteLength - at
  validateOffsetLengthWrite(at, count, buffer.byteLength)
  return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset + at, count), position: typeof position === 'number' ? toPosition(position) : null }
}

export function encodeString(text: string, encoding: unknown): Uint8Array {
  const name = typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8'
  if (name === 'hex' && text.length % 2 !== 0) throw invalidArgValue('encoding', encoding, `is invalid for data of length ${text.length}`)
  return Buffer.from(text, name)
}

function statsDeliver(sim: Simulation, bigint: unknown): (stat: import('../../disk/index.js').DiskStat) => unknown[] {
  return (stat) => [toStats(stat, sim.disk.sector_size_bytes, bigint === true)]
}

export const fdFunctions: Record<string, Simulated> = {
  open(sim, args) {
    let [path, flags, mode, callback] = args
    const sim_path = toSimPath(path)
    if (args.length < 3) {
      callback = flags
      flags = 'r'
      mode = 0o666
    } else if (typeof mode === 'function') {
      callback = mode
      mode = 0o666
    } else {
      mode = parseFileMode(mode, 'mode', 0o666)
    }
    const open_mode = parseOpenFlags(flags)
    const cb = requireCallback(callback)
    callbackForm(sim, 'fs.open', (context) => openOp(context, sim_path, open_mode, mode as number), cb, (file) => [file.fd])
  },
  openSync(sim, args) {
    const [path, flags, mode] = args
    const sim_path = toSimPath(path)
    const open_mode = parseOpenFlags(flags)
    const permissions = parseFileMode(mode, 'mode', 0o666)
    return syncForm(sim, (context) => openOp(context, sim_path, open_mode, permissions)).fd
  },
  close(sim, args) {
    const [fd, callback] = args
    const valid_fd = validateFd(fd)
    const cb: Callback = callback === undefined ? (error) => {
      if (error !== null) throw error
    } : requireCallback(callback)
    callbackForm(sim, 'fs.close', (context) => closeOp(context, valid_fd), cb)
  },
  closeSync(sim, args) {
    const fd = validateFd(args[0])
    syncForm(sim, (context) => closeOp(context, fd))
  },
  read(sim, args) {
    const fd = validateFd(args[0])
    let [, buffer, offset, length, position, callback] = args
    let params: Record<string, unknown> | null = null
    if (args.length <= 4) {
      if (args.length === 4) {
        validateOptionsObject(offset, 'options')
        callback = length
        params = (offset ?? {}) as Record<string, unknown>
      } else if (args.length === 3) {
        if (!ArrayBuffer.isView(buffer)) {
          params = (buffer ?? {}) as Record<string, unknown>
          buffer = params.buffer ?? Buffer.alloc(DEFAULT_READ_BUFFER_BYTES)
        }
        callback = offset
      } else {
        callback = buffer
        buffer = Buffer.alloc(DEFAULT_READ_BUFFER_BYTES)
      }
      ;({ offset, length, position } = readOptions(params, buffer))
    }
    validateArrayBufferView(buffer, 'buffer')
    const cb = requireCallback(callback)
    const request = checkRead(fd, buffer, offset, length, position)
    if (request === null) {
      // Node answers a zero-length read on the next tick without I/O; here, one latency later.
      callbackForm(sim, 'fs.read', function* () {
        return 0
      }, cb, () => [0, buffer])
      return
    }
    callbackForm(sim, 'fs.read', readMake(request), cb, (read) => [read, buffer], [0, buffer])
  },
  readSync(sim, args) {
    const fd = validateFd(args[0])
    const buffer = args[1]
    validateArrayBufferView(buffer, 'buffer')
    let [, , offset, length, position] = args
    if (args.length <= 3 || (typeof offset === 'object' && offset !== null)) {
      if (offset !== undefined) validateOptionsObject(offset, 'options')
      ;({ offset, length, position } = readOptions(offset, buffer))
    }
    const request = checkRead(fd, buffer, offset, length, position)
    if (request === null) return 0
    return syncForm(sim, readMake(request))
  },
  write(sim, args) {
    const fd = validateFd(args[0])
    let [, buffer, offset, length, position, callback] = args
    if (ArrayBuffer.isView(buffer)) {
      callback ||= position || length || offset
      const cb = requireCallback(callback)
      const request = checkWriteBuffer(buffer, typeof offset === 'function' ? undefined : offset, typeof length === 'function' ? undefined : length, typeof position === 'function' ? undefined : position)
      callbackForm(sim, 'fs.write', (context) => writeOp(context, fd, request.bytes, request.position), cb, (written) => [written, buffer], [0, buffer])
      return
    }
    validateStringData(buffer, 'buffer')
    if (typeof position !== 'function') {
      if (typeof offset === 'function') {
        position = offset
        offset = null
      } else {
        position = length
      }
      length = 'utf8'
    }
    const bytes = encodeString(buffer, length)
    const cb = requireCallback(position)
    const at = typeof offset === 'number' ? toPosition(offset) : null
    callbackForm(sim, 'fs.write', (context) => writeOp(context, fd, bytes, at), cb, (written) => [written, buffer], [0, buffer])
  },
  writeSync(sim, args) {
    const fd = validateFd(args[0])
    const [, buffer, offset, length, position] = args
    if (ArrayBuffer.isView(buffer)) {
      const request = checkWriteBuffer(buffer, offset, length, position === undefined ? null : position)
      return syncForm(sim, (context) => writeOp(context, fd, request.bytes, request.position))
    }
    validateStringData(buffer, 'buffer')
    const bytes = encodeString(buffer, length)
    const at = typeof offset === 'number' ? toPosition(offset) : null
    return syncForm(sim, (context) => writeOp(context, fd, bytes, at))
  },
  writev(sim, args) {
    const fd = validateFd(args[0])
    const [, buffers] = args
    let [, , position, callback] = args
    validateBufferArray(buffers)
    callback ||= position
    const cb = requireCallback(callback)
    const at = typeof position === 'number' ? toPosition(position) : null
    const bytes = Buffer.concat(buffers.map(bytesOf))
    callbackForm(sim, 'fs.writev', (context) => writeOp(context, fd, bytes, at), cb, (written) => [written, buffers], [0, buffers])
  },
  writevSync(sim, args) {
    const fd = validateFd(args[0])
    const [, buffers, position] = args
    validateBufferArray(buffers)
    if (buffers.length === 0) return 0
    const at = typeof position === 'number' ? toPosition(position) : null
    const bytes = Buffer.concat(buffers.map(bytesOf))
    return syncForm(sim, (context) => writeOp(context, fd, bytes, at))
  },
  readv(sim, args) {
    const fd = validateFd(args[0])
    const [, buffers] = args
    let [, , position, callback] = args
    validateBufferArray(buffers)
    callback ||= position
    const cb = requireCallback(callback)
    const at = typeof position === 'number' ? toPosition(position) : null
    callbackForm(sim, 'fs.readv', (context) => readvOp(context, fd, buffers, at), cb, (read) => [read, buffers], [0, buffers])
  },
  readvSync(sim, args) {
    const fd = validateFd(args[0])
    const [, buffers, position] = args
    validateBufferArray(buffers)
    const at = typeof position === 'number' ? toPosition(position) : null
    return syncForm(sim, (context) => readvOp(context, fd, buffers, at))
  },
  fstat(sim, args) {
    let [fd, options, callback] = args
    if (typeof options === 'function') {
      callback = options
      options = {}
    }
    const cb = requireCallback(callback)
    const valid_fd = validateFd(fd)
    callbackForm(sim, 'fs.fstat', (context) => fstatOp(context, valid_fd), cb, statsDeliver(sim, (options as { bigint?: unknown } | undefined)?.bigint))
  },
  fstatSync(sim, args) {
    const [fd, options] = args
    const valid_fd = validateFd(fd)
    const stat = syncForm(sim, (context) => fstatOp(context, valid_fd))
    return statsDeliver(sim, (options as { bigint?: unknown } | undefined)?.bigint)(stat)[0]
  },
  ftruncate(sim, args) {
    let [fd, length, callback] = args
    if (typeof length === 'function') {
      callback = length
      length = 0
    }
    const valid_fd = validateFd(fd)
    if (length === undefined) length = 0
    validateInteger(length, 'len')
    const cb = requireCallback(callback)
    const bytes = length
    callbackForm(sim, 'fs.ftruncate', (context) => ftruncateOp(context, valid_fd, bytes), cb)
  },
  ftruncateSync(sim, args) {
    const [fd, length = 0] = args
    const valid_fd = validateFd(fd)
    validateInteger(length, 'len')
    syncForm(sim, (context) => ftruncateOp(context, valid_fd, length))
  },
  fsync: syncCallback('fsync'),
  fsyncSync: syncSync('fsync'),
  fdatasync: syncCallback('fdatasync'),
  fdatasyncSync: syncSync('fdatasync'),
  futimes(sim, args) {
    const [fd, atime, mtime, callback] = args
    const valid_fd = validateFd(fd)
    const atime_ns = toUnixTimestampNs(sim, atime, 'atime')
    const mtime_ns = toUnixTimestampNs(sim, mtime, 'mtime')
    const cb = requireCallback(callback)
    callbackForm(sim, 'fs.futimes', (context) => futimesOp(context, valid_fd, atime_ns, mtime_ns), cb)
  },
  futimesSync(sim, args) {
    const [fd, atime, mtime] = args
    const valid_fd = validateFd(fd)
    const atime_ns = toUnixTimestampNs(sim, atime, 'atime')
    const mtime_ns = toUnixTimestampNs(sim, mtime, 'mtime')
    syncForm(sim, (context) => futimesOp(context, valid_fd, atime_ns, mtime_ns))
  },
  fchmod(sim, args) {
    const [fd, mode, callback] = args
    const valid_fd = validateFd(fd)
    const permissions = parseFileMode(mode, 'mode')
    const cb = requireCallback(callback)
    callbackForm(sim, 'fs.fchmod', (context) => fchmodOp(context, valid_fd, permissions), cb)
  },
  fchmodSync(sim, args) {
    const [fd, mode] = args
    const valid_fd = validateFd(fd)
    const permissions = parseFileMode(mode, 'mode')
    syncForm(sim, (context) => fchmodOp(context, valid_fd, permissions))
  },
}

function syncCallback(syscall: 'fsync' | 'fdatasync'): Simulated {
  return (sim, args) => {
    const [fd, callback] = args
    const valid_fd = validateFd(fd)
    const cb = requireCallback(callback)
    callbackForm(sim, `fs.${syscall}`, (context) => fsyncOp(context, valid_fd, syscall), cb)
  }
}

function syncSync(syscall: 'fsync' | 'fdatasync'): Simulated {
  return (sim, args) => {
    const valid_fd = validateFd(args[0])
    syncForm(sim, (context) => fsyncOp(context, valid_fd, syscall))
  }
}

/** The fd table of `sim` (for FileHandle and tests). */
export function openDescriptors(sim: Simulation): number[] {
  return fsContext(sim).fds.fds()
}

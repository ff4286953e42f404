import { constants, type Dirent } from 'node:fs'
import { posix } from 'node:path'
import type { DiskStat } from '../../disk/index.js'
import type { Simulation } from '../../sim/simulation.js'
import { toDirent } from './dirent.js'
import { parseFileMode, parseOpenFlags, stringToFlags, decodeFlags } from './flags.js'
import { callbackForm, encodeName, requireCallback, syncForm, type Callback, type Make, type Simulated } from './forms.js'
import { rangeErrorWithCode, typeErrorWithCode } from './node_error.js'
import { accessOp, chmodOp, mkdirOp, mkdtempOp, readdirOp, realpathOp, renameOp, rmdirOp, rmOp, statOp, statOrNullOp, unlinkOp, utimesOp, type ReaddirEntry } from './ops_path.js'
import { ftruncateOp } from './ops_fd.js'
import { copyFileOp, readFileOp, truncatePathOp, writeFileOp, type FileSource } from './ops_whole.js'
import { toSimPath, type SimPath } from './path.js'
import { runAsync } from './step.js'
import { toStats } from './stats.js'
import { toUnixTimestampNs } from './times.js'
import { encodeString } from './api_fd.js'
import { fsContext } from './context.js'
import {
  getOptions,
  isFd,
  validateBoolean,
  validateFunction,
  validateInt32,
  validateInteger,
  validateStringData,
  validateUint32,
} from './validate.js'

/**
 * node:fs functions on paths and whole files, callback and sync forms, with
 * Node 20's argument handling (lib/fs.js). The promise forms (promises.ts)
 * parse with the same helpers and run the same operations.
 */

const { F_OK } = constants

/** Node's `getValidMode` for access and copyFile: an int32 from 0 to 7, or null/undefined for the default. */
export function validMode(mode: unknown, fallback: number): number {
  if (mode === undefined || mode === null) return fallback
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < -2147483648 || mode > 2147483647) {
    throw typeErrorWithCode('ERR_INVALID_ARG_TYPE', 'mode must be int32 or null/undefined')
  }
  if (mode < 0 || mode > 7) throw rangeErrorWithCode('ERR_OUT_OF_RANGE', 'mode is out of range: >= 0 && <= 7')
  return mode
}

export function statsOf(sim: Simulation, stat: DiskStat, options: unknown): unknown {
  return toStats(stat, sim.disk.sector_size_bytes, (options as { bigint?: unknown } | null | undefined)?.bigint === true)
}

/** Buffer results as strings in `encoding` (readFile's `encoding` option). */
export function decodeContent(buffer: Buffer, encoding: unknown): Buffer | string {
  return typeof encoding === 'string' && encoding !== 'buffer' ? buffer.toString(encoding as BufferEncoding) : buffer
}

export interface ReadFileRequest {
  readonly source: FileSource
  readonly encoding: unknown
  readonly signal: AbortSignal | undefined
}

/** readFile's options and source, as Node's readFile and readFileSync read them. */
export function parseReadFile(path: unknown, options_argument: unknown, flag_name: string): ReadFileRequest {
  const options = getOptions(options_argument, { flag: 'r' as unknown })
  const signal = options.signal as AbortSignal | undefined
  if (isFd(path)) return { source: { fd: path }, encoding: options.encoding, signal }
  const sim_path = toSimPath(path)
  const flags = decodeFlags(stringToFlags(options.flag, flag_name))
  return { source: { path: sim_path, flags, mode: 0o666 }, encoding: options.encoding, signal }
}

export interface WriteFileRequest {
  readonly target: FileSource
  readonly data: Uint8Array
  readonly flush: boolean
  readonly signal: AbortSignal | undefined
}

/** writeFile's and appendFile's options, data and target. */
export function parseWriteFile(path: unknown, data: unknown, options_argument: unknown, default_flag: 'w' | 'a'): WriteFileRequest {
  const options = getOptions(options_argument, { encoding: 'utf8' as unknown, mode: 0o666 as unknown, flag: default_flag as unknown, flush: false as unknown })
  const flag = default_flag === 'a' && (!options.flag || isFd(path)) ? 'a' : options.flag || 'w'
  const flush = options.flush ?? false
  validateBoolean(flush, 'options.flush')
  let bytes: Uint8Array
  if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  else {
    validateStringData(data, 'data')
    bytes = encodeString(data, options.encoding || 'utf8')
  }
  const signal = options.signal as AbortSignal | undefined
  if (isFd(path)) return { target: { fd: path }, data: bytes, flush, signal }
  const sim_path = toSimPath(path)
  const flags = parseOpenFlags(flag)
  const mode = parseFileMode(options.mode, 'mode', 0o666)
  return { target: { path: sim_path, flags, mode }, data: bytes, flush, signal }
}

export interface MkdirRequest {
  readonly path: SimPath
  readonly mode: number
  readonly recursive: boolean
}

export function parseMkdir(path: unknown, options: unknown): MkdirRequest {
  let mode: unknown = 0o777
  let recursive: unknown = false
  if (typeof options === 'number' || typeof options === 'string') mode = options
  else if (options !== null && typeof options === 'object') {
    const given = options as { recursive?: unknown; mode?: unknown }
    if (given.recursive !== undefined) recursive = given.recursive
    if (given.mode !== undefined) mode = given.mode
  }
  const sim_path = toSimPath(path)
  validateBoolean(recursive, 'options.recursive')
  return { path: sim_path, mode: parseFileMode(mode, 'mode', 0o777), recursive }
}

export interface ReaddirRequest {
  readonly path: SimPath
  readonly recursive: boolean
  readonly with_file_types: boolean
  readonly encoding: unknown
}

export function parseReaddir(path: unknown, options_argument: unknown): ReaddirRequest {
  const options = getOptions(options_argument, {})
  const sim_path = toSimPath(path)
  if (options.recursive !== undefined && options.recursive !== null) validateBoolean(options.recursive, 'options.recursive')
  return { path: sim_path, recursive: options.recursive === true, with_file_types: Boolean(options.withFileTypes), encoding: options.encoding }
}

/** readdir's result: names (relative paths when recursive) or Dirents whose parentPath is as the caller wrote it. */
export function readdirResult(request: ReaddirRequest, entries: readonly ReaddirEntry[]): (string | Buffer | Dirent)[] {
  return entries.map((entry) => {
    if (!request.with_file_types) return encodeName(entry.relative, request.encoding)
    const inner = posix.dirname(entry.relative)
    const parent = inner === '.' ? request.path.given : posix.join(request.path.given, inner)
    return toDirent(encodeName(entry.name, request.encoding), entry.kind, parent)
  })
}

export interface RmRequest {
  readonly path: SimPath
  readonly recursive: boolean
  readonly force: boolean
}

export function parseRm(path: unknown, options: unknown): RmRequest {
  const sim_path = toSimPath(path)
  const given = { retryDelay: 100, maxRetries: 0, recursive: false, force: false, ...((options ?? {}) as object) } as Record<string, unknown>
  validateBoolean(given.force, 'options.force')
  validateBoolean(given.recursive, 'options.recursive')
  validateInt32(given.retryDelay, 'options.retryDelay', 0)
  validateUint32(given.maxRetries, 'options.maxRetries')
  return { path: sim_path, recursive: given.recursive, force: given.force }
}

export function realpathPath(path: unknown): SimPath {
  if (path instanceof Uint8Array) return toSimPath(Buffer.from(path).toString())
  return toSimPath(path)
}

/** A path function's callback and sync forms, sharing one parse. */
function pair<P, R>(
  name: string,
  parse: (sim: Simulation, args: unknown[]) => P,
  make: (request: P) => Make<R>,
  result: (sim: Simulation, request: P, value: R) => unknown,
  callback_index: (args: unknown[]) => number,
): Record<string, Simulated> {
  return {
    [name](sim, args) {
      const index = callback_index(args)
      const callback = args[index]
      const rest = args.slice(0, index)
      if (typeof callback !== 'function') {
        // Node validates the callback before or after the path depending on the function; both throw synchronously.
        requireCallback(callback)
      }
      const request = parse(sim, rest)
      callbackForm(sim, `fs.${name}`, make(request), callback as Callback, (value) => {
        const out = result(sim, request, value)
        return out === undefined ? [] : [out]
      })
    },
    [`${name}Sync`](sim, args) {
      const request = parse(sim, args)
      return result(sim, request, syncForm(sim, make(request)))
    },
  }
}

/**
 * Where the callback is: the first function after the path, or else the
 * position after `max_before` arguments (so a missing callback is reported as
 * what is there, usually undefined).
 */
const lastArgument = (max_before: number) => (args: unknown[]) => {
  const limit = Math.min(args.length - 1, max_before)
  for (let index = 1; index <= limit; index++) {
    if (typeof args[index] === 'function') return index
  }
  return max_before
}

const none = () => undefined

export const pathFunctions: Record<string, Simulated> = {
  ...pair('readFile', (_, [path, options]) => parseReadFile(path, options, 'options.flag'), (r) => (c) => readFileOp(c, r.source, r.signal), (_, r, buffer) => decodeContent(buffer, r.encoding), lastArgument(2)),
  ...pair('writeFile', (_, [path, data, options]) => parseWriteFile(path, data, options, 'w'), (r) => (c) => writeFileOp(c, r.target, r.data, r.flush, r.signal), none, lastArgument(3)),
  ...pair('appendFile', (_, [path, data, options]) => parseWriteFile(path, data, options, 'a'), (r) => (c) => writeFileOp(c, r.target, r.data, r.flush, r.signal), none, lastArgument(3)),
  ...pair('stat', (_, [path, options]) => ({ path: toSimPath(path), options }), (r) => (c) => statOp(c, r.path, 'stat'), (sim, r, stat) => statsOf(sim, stat, r.options), lastArgument(2)),
  ...pair('lstat', (_, [path, options]) => ({ path: toSimPath(path), options }), (r) => (c) => statOp(c, r.path, 'lstat'), (sim, r, stat) => statsOf(sim, stat, r.options), lastArgument(2)),
  ...pair('mkdir', (_, [path, options]) => parseMkdir(path, options), (r) => (c) => mkdirOp(c, r.path, r.mode, r.recursive), (_, r, first) => (r.recursive ? first : undefined), lastArgument(2)),
  ...pair('readdir', (_, [path, options]) => parseReaddir(path, options), (r) => (c) => readdirOp(c, r.path, r.recursive), (_, r, entries) => readdirResult(r, entries), lastArgument(2)),
  ...pair('rm', (_, [path, options]) => parseRm(path, options), (r) => (c) => rmOp(c, r.path, r.recursive, r.force), none, lastArgument(2)),
  ...pair(
    'rmdir',
    (_, [path, options]) => ({ path: toSimPath(path), recursive: (options as { recursive?: unknown } | undefined)?.recursive === true }),
    (r) => (c) => (r.recursive ? rmOp(c, r.path, true, false) : rmdirOp(c, r.path)),
    none,
    lastArgument(2),
  ),
  ...pair('rename', (_, [from, to]) => ({ from: toSimPath(from, 'oldPath'), to: toSimPath(to, 'newPath') }), (r) => (c) => renameOp(c, r.from, r.to), none, lastArgument(2)),
  ...pair('unlink', (_, [path]) => toSimPath(path), (r) => (c) => unlinkOp(c, r), none, lastArgument(1)),
  ...pair('access', (_, [path, mode]) => ({ path: toSimPath(path), mode: validMode(mode, F_OK) }), (r) => (c) => accessOp(c, r.path, r.mode), none, lastArgument(2)),
  ...pair(
    'copyFile',
    (_, [source, target, mode]) => ({ source: toSimPath(source, 'src'), target: toSimPath(target, 'dest'), mode: validMode(mode, 0) }),
    (r) => (c) => copyFileOp(c, r.source, r.target, r.mode),
    none,
    lastArgument(3),
  ),
  ...pair(
    'mkdtemp',
    (_, [prefix, options]) => ({ prefix: toSimPath(prefix, 'prefix'), encoding: getOptions(options, {}).encoding }),
    (r) => (c) => mkdtempOp(c, r.prefix),
    (_, r, made) => encodeName(made, r.encoding),
    lastArgument(2),
  ),
  ...pair(
    'utimes',
    (sim, [path, atime, mtime]) => ({ path: toSimPath(path), atime_ns: toUnixTimestampNs(sim, atime), mtime_ns: toUnixTimestampNs(sim, mtime) }),
    (r) => (c) => utimesOp(c, r.path, r.atime_ns, r.mtime_ns),
    none,
    lastArgument(3),
  ),
  ...pair('chmod', (_, [path, mode]) => ({ path: toSimPath(path), mode: parseFileMode(mode, 'mode') }), (r) => (c) => chmodOp(c, r.path, r.mode), none, lastArgument(2)),
  ...pair(
    'truncate',
    (_, [path, length]): { fd: number; length: number } | { path: SimPath; length: number } => {
      const len = length === undefined ? 0 : length
      validateInteger(len, 'len')
      if (typeof path === 'number') return { fd: path, length: Math.max(0, len) }
      return { path: toSimPath(path), length: Math.max(0, len) }
    },
    (r) => (c) => ('fd' in r ? ftruncateOp(c, r.fd, r.length) : truncatePathOp(c, r.path, r.length)),
    none,
    lastArgument(2),
  ),
  ...pair(
    'realpath',
    (_, [path, options]) => ({ path: realpathPath(path), encoding: getOptions(options, {}).encoding }),
    (r) => (c) => realpathOp(c, r.path, false),
    (_, r, resolved) => encodeName(resolved, r.encoding),
    lastArgument(2),
  ),
  // readFileSync names a bad flag 'flags'; the callback form names it 'options.flag'.
  readFileSync(sim, [path, options]) {
    const request = parseReadFile(path, options, 'flags')
    return decodeContent(syncForm(sim, (c) => readFileOp(c, request.source, request.signal)), request.encoding)
  },
  exists(sim, args) {
    const [path, callback] = args
    validateFunction(callback, 'cb')
    let sim_path: SimPath
    try {
      sim_path = toSimPath(path)
    } catch {
      ;(callback as (exists: boolean) => void)(false)
      return
    }
    runAsync(sim, 'fs.exists', statOrNullOp(fsContext(sim), sim_path, 'stat'), (error, stat) => {
      ;(callback as (exists: boolean) => void)(error === null && stat !== null && stat !== undefined)
    })
  },
  existsSync(sim, args) {
    let sim_path: SimPath
    try {
      sim_path = toSimPath(args[0])
    } catch {
      return false
    }
    try {
      return syncForm(sim, (c) => statOrNullOp(c, sim_path, 'stat')) !== null
    } catch {
      return false
    }
  },
}

/** `realpath.native` and `realpathSync.native`: the realpath(3) syscall, whose errors name the whole path. */
export function realpathNative(sync: boolean): Simulated {
  return (sim, args) => {
    if (sync) {
      const [path, options] = args
      const sim_path = realpathPath(path)
      const encoding = getOptions(options, {}).encoding
      return encodeName(syncForm(sim, (c) => realpathOp(c, sim_path, true)), encoding)
    }
    let [path, options, callback] = args
    if (typeof options === 'function') {
      callback = options
      options = undefined
    }
    const cb = requireCallback(callback)
    const sim_path = realpathPath(path)
    const encoding = getOptions(options, {}).encoding
    callbackForm(sim, 'fs.realpath', (c) => realpathOp(c, sim_path, true), cb, (resolved) => [encodeName(resolved, encoding)])
    return undefined
  }
}

/** statSync with `throwIfNoEntry: false` answers undefined for a missing path. */
export function statSyncWithOptions(syscall: 'stat' | 'lstat'): Simulated {
  return (sim, args) => {
    const [path, options] = args
    const sim_path = toSimPath(path)
    if ((options as { throwIfNoEntry?: unknown } | undefined)?.throwIfNoEntry === false) {
      const stat = syncForm(sim, (c) => statOrNullOp(c, sim_path, syscall))
      return stat === null ? undefined : statsOf(sim, stat, options)
    }
    return statsOf(sim, syncForm(sim, (c) => statOp(c, sim_path, syscall)), options)
  }
}

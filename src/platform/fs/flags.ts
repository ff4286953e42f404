import { constants } from 'node:fs'
import { invalidArgValue } from './node_error.js'
import { validateInt32, validateUint32 } from './validate.js'

/**
 * Open flags, as Node's `stringToFlags` reads them (strings such as 'r', 'wx',
 * 'a+', or a number built from the `O_*` constants), decoded into what the
 * simulated open does with them. Linux values: the simulation always presents
 * a Linux host.
 */

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_SYNC, O_DSYNC } = constants
/** Not on every platform's `fs.constants`; Linux values when missing. */
const O_DIRECTORY = constants.O_DIRECTORY ?? 0o200000
const O_ACCMODE = 3

const STRING_FLAGS: Readonly<Record<string, number>> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
}

/** Node's `stringToFlags`: a flag string or number to the numeric flags (ERR_INVALID_ARG_VALUE otherwise). */
export function stringToFlags(flags: unknown, name = 'flags'): number {
  if (typeof flags === 'number') return flags
  if (flags === null || flags === undefined) return O_RDONLY
  if (typeof flags === 'string') {
    const value = STRING_FLAGS[flags]
    if (value !== undefined) return value
  }
  throw invalidArgValue(name, flags)
}

/** What an open does, decoded from numeric flags. */
export interface OpenMode {
  readonly flags: number
  readonly readable: boolean
  readonly writable: boolean
  readonly create: boolean
  readonly exclusive: boolean
  readonly truncate: boolean
  readonly append: boolean
  readonly directory: boolean
  /** O_SYNC or O_DSYNC: every write is durable before it returns. */
  readonly sync: boolean
}

/** Flags as `fs.open` takes them (string or int32 number), decoded. */
export function parseOpenFlags(flags: unknown, fallback: number = O_RDONLY): OpenMode {
  const numeric = flags === undefined ? fallback : stringToFlags(flags)
  validateInt32(numeric, 'flags')
  return decodeFlags(numeric)
}

export function decodeFlags(flags: number): OpenMode {
  const access = flags & O_ACCMODE
  return {
    flags,
    // O_ACCMODE 3 is not a valid access mode on Linux; it opens for reading and writing, as there.
    readable: access === O_RDONLY || access === O_RDWR || access === O_ACCMODE,
    writable: access === O_WRONLY || access === O_RDWR || access === O_ACCMODE,
    create: (flags & O_CREAT) !== 0,
    exclusive: (flags & O_EXCL) !== 0,
    truncate: (flags & O_TRUNC) !== 0,
    append: (flags & O_APPEND) !== 0,
    directory: (flags & O_DIRECTORY) !== 0,
    sync: (flags & (O_SYNC | O_DSYNC)) !== 0,
  }
}

const OCTAL = /^[0-7]+$/

/** Node's `parseFileMode`: a uint32 or an octal string; `fallback` when undefined. */
export function parseFileMode(value: unknown, name: string, fallback?: number): number {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback
  if (typeof value === 'string') {
    if (!OCTAL.test(value)) throw invalidArgValue(name, value, 'must be a 32-bit unsigned integer or an octal string')
    return Number.parseInt(value, 8)
  }
  validateUint32(value, name)
  return value
}

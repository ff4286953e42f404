import { constants } from 'node:os'
import { getSystemErrorMap, inspect } from 'node:util'

/**
 * Errors shaped like the ones node:fs throws, so code under test that checks
 * `error.code === 'ENOENT'`, `error.syscall` or the message sees what it would
 * see on Linux.
 *
 * System errors (from a syscall) carry `errno` (negative, Linux numbers),
 * `code`, `syscall`, `path` and `dest` (when given), and Node's message:
 * `ENOENT: no such file or directory, open '/x'`. Argument errors are Node's
 * `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE` and `ERR_OUT_OF_RANGE`
 * (a TypeError or RangeError with `code`), with Node's message formats.
 */

const ERRNO = constants.errno as Readonly<Record<string, number>>
const SYSTEM_ERRORS = getSystemErrorMap()

/** A Node system error: `Error` with errno, code, syscall, path and dest, in the order Node sets them. */
export interface NodeSystemError extends Error {
  errno: number
  code: string
  syscall: string
  path?: string
  dest?: string
}

/** The Linux errno number of `code` (positive), e.g. 2 for ENOENT. */
export function errnoOf(code: string): number {
  const errno = ERRNO[code]
  if (errno === undefined) throw new Error(`node_error: unknown errno code ${code}`)
  return errno
}

/** libuv's text for `code`, as Node prints it: `no such file or directory`. */
export function describeCode(code: string): string {
  const entry = SYSTEM_ERRORS.get(-errnoOf(code))
  if (entry === undefined) throw new Error(`node_error: no system error text for ${code}`)
  return entry[1]
}

/** `ENOENT: no such file or directory, open '/x'`, as Node's uvException builds it. */
export function systemError(code: string, syscall: string, path?: string, dest?: string): NodeSystemError {
  let message = `${code}: ${describeCode(code)}, ${syscall}`
  if (path !== undefined) message += ` '${path}'`
  if (dest !== undefined) message += ` -> '${dest}'`
  const error = new Error(message) as NodeSystemError
  error.errno = -errnoOf(code)
  error.code = code
  error.syscall = syscall
  if (path !== undefined) error.path = path
  if (dest !== undefined) error.dest = dest
  return error
}

/** Gives a Node internal error its `code`, `toString` and stack header (`TypeError [ERR_X]: ...`). */
function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  Object.defineProperty(error, 'toString', {
    value(this: Error) {
      return `${this.name} [${code}]: ${this.message}`
    },
    enumerable: false,
    writable: true,
    configurable: true,
  })
  const with_code = error as E & { code: string }
  with_code.code = code
  if (error.stack !== undefined) {
    const at = error.stack.indexOf('\n    at ')
    error.stack = `${error.name} [${code}]: ${error.message}${at === -1 ? '' : error.stack.slice(at)}`
  }
  return with_code
}

/** Node's `determineSpecificType`: how argument errors describe the value received. */
export function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function' && value.name !== '') return `function ${value.name}`
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name
    if (typeof name === 'string' && name !== '') return `an instance of ${name}`
    return inspect(value, { depth: -1 })
  }
  // Node 20 shortens a long string before quoting it: ('aaaaaaaaaaaaaaaaaaaaaaaaa...').
  const shown = typeof value === 'string' && value.length > 28 ? `${value.slice(0, 25)}...` : value
  let inspected = inspect(shown, { colors: false })
  if (typeof value !== 'string' && inspected.length > 28) inspected = `${inspected.slice(0, 25)}...`
  return `type ${typeof value} (${inspected})`
}

function subject(name: string): string {
  return name.includes('.') ? 'property' : 'argument'
}

/** ERR_INVALID_ARG_TYPE; `expected` is Node's phrase, e.g. `of type string or an instance of Buffer or URL`. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError & { code: string } {
  return withCode(new TypeError(`The "${name}" ${subject(name)} must be ${expected}. Received ${describeReceived(actual)}`), 'ERR_INVALID_ARG_TYPE')
}

/** ERR_INVALID_ARG_VALUE: `The argument 'flags' is invalid. Received 'zz'`. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & { code: string } {
  let inspected = inspect(value)
  if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`
  return withCode(new TypeError(`The ${subject(name)} '${name}' ${reason}. Received ${inspected}`), 'ERR_INVALID_ARG_VALUE')
}

function withSeparators(digits: string): string {
  const negative = digits.startsWith('-')
  let rest = negative ? digits.slice(1) : digits
  let out = ''
  while (rest.length > 3) {
    out = `_${rest.slice(-3)}${out}`
    rest = rest.slice(0, -3)
  }
  return `${negative ? '-' : ''}${rest}${out}`
}

/** ERR_OUT_OF_RANGE: `The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received -1`. */
export function outOfRange(name: string, range: string, received: unknown): RangeError & { code: string } {
  let shown: string
  if (typeof received === 'number' && Number.isInteger(received) && Math.abs(received) > 2 ** 32) shown = withSeparators(String(received))
  else if (typeof received === 'bigint') shown = `${received > 2n ** 32n || received < -(2n ** 32n) ? withSeparators(String(received)) : String(received)}n`
  else shown = inspect(received)
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`), 'ERR_OUT_OF_RANGE')
}

/** A RangeError with a Node code and a free-form message (`mode is out of range: >= 0 && <= 7`). */
export function rangeErrorWithCode(code: string, message: string): RangeError & { code: string } {
  return withCode(new RangeError(message), code)
}

/** A TypeError with a Node code and a free-form message. */
export function typeErrorWithCode(code: string, message: string): TypeError & { code: string } {
  return withCode(new TypeError(message), code)
}

/**
 * Node's `SystemError` for errors it raises itself after a syscall-like check:
 * `ERR_FS_EISDIR` from `rm` on a directory without `recursive`
 * (`Path is a directory: rm returned EISDIR (is a directory) /d`).
 */
export class SystemError extends Error {
  readonly code: string
  readonly info: { code: string; message: string; path: string; syscall: string; errno: number }
  readonly errno: number
  readonly syscall: string
  readonly path: string

  constructor(key: string, prefix: string, info: { code: string; syscall: string; path: string; message: string }) {
    const text = info.message
    const message = `${prefix}: ${info.syscall} returned ${info.code} (${text}) ${info.path}`
    super(message)
    this.code = key
    this.info = { code: info.code, message: text, path: info.path, syscall: info.syscall, errno: errnoOf(info.code) }
    this.errno = errnoOf(info.code)
    this.syscall = info.syscall
    this.path = info.path
    Object.defineProperty(this, 'name', { value: 'SystemError', enumerable: false, writable: true, configurable: true })
    if (this.stack !== undefined) {
      const at = this.stack.indexOf('\n    at ')
      this.stack = `SystemError [${key}]: ${message}${at === -1 ? '' : this.stack.slice(at)}`
    }
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`
  }
}

/** `ERR_FS_EISDIR`: rm of a directory without `recursive`. */
export function fsIsDirectory(syscall: string, path: string): SystemError {
  // Node's own wording here, not libuv's ("illegal operation on a directory").
  return new SystemError('ERR_FS_EISDIR', 'Path is a directory', { code: 'EISDIR', syscall, path, message: 'is a directory' })
}

/** Node's AbortError (`code: 'ABORT_ERR'`), with the signal's reason as `cause`. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR'
  override name = 'AbortError'
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}

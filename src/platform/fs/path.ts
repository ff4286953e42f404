import { posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { invalidArgType, invalidArgValue } from './node_error.js'

/**
 * Path arguments into the simulated namespace.
 *
 * Node accepts a string, a Buffer (any Uint8Array) or a `file:` URL. The
 * simulated process's working directory is "/", so a relative path resolves
 * against it, and `..` stops at the root: no path leaves the simulated disk
 * (there is nothing outside it to reach). Errors report the path as the code
 * gave it (`ENOENT: ..., open 'data/x'`), as Node does.
 */

/** The simulated process's working directory. */
export const SIMULATED_CWD = '/'

export interface SimPath {
  /** The path as given, as text: what errors report in `path` and in their message. */
  readonly given: string
  /** Absolute and normalized in the simulated namespace; '' for the empty path (which names nothing). */
  readonly resolved: string
  /** The given path ends in '/' (or '/.'): it must name a directory (ENOTDIR otherwise, as on Linux). */
  readonly trailing_slash: boolean
}

const PATH_TYPES = 'of type string or an instance of Buffer or URL'

/** Node's `isURL`: a WHATWG URL object (or one that looks like it). */
function isURL(value: unknown): value is URL {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown }
  return Boolean(candidate.href) && Boolean(candidate.protocol) && candidate.auth === undefined && candidate.path === undefined
}

/**
 * Node's `getValidatedPath`, then resolution against the simulated cwd.
 * Throws Node's ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE (NUL bytes) /
 * URL errors for what Node rejects.
 */
export function toSimPath(value: unknown, name = 'path'): SimPath {
  const path = isURL(value) ? fileURLToPath(value) : value
  let text: string
  if (typeof path === 'string') {
    if (path.includes('\u0000')) throw invalidArgValue(name, path, 'must be a string, Uint8Array, or URL without null bytes')
    text = path
  } else if (path instanceof Uint8Array) {
    if (path.includes(0)) throw invalidArgValue(name, path, 'must be a string, Uint8Array, or URL without null bytes')
    text = Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('utf8')
  } else {
    throw invalidArgType(name, PATH_TYPES, path)
  }
  return resolveText(text)
}

/** Resolves already-validated text (no NUL bytes) against the simulated cwd. */
export function resolveText(text: string): SimPath {
  if (text === '') return { given: text, resolved: '', trailing_slash: false }
  // Most paths a program passes are absolute and normalized already: resolving one returns it as is.
  if (isNormalizedAbsolute(text)) return { given: text, resolved: text, trailing_slash: false }
  const resolved = posix.resolve(SIMULATED_CWD, text)
  const trailing_slash = resolved !== '/' && (text.endsWith('/') || text.endsWith('/.') || text === '.')
  return { given: text, resolved, trailing_slash }
}

/**
 * Whether `posix.resolve('/', text)` is `text` itself: it starts with '/', and no component is
 * empty, '.' or '..' (so no repeated or trailing slash). '/' alone takes the general path.
 */
function isNormalizedAbsolute(text: string): boolean {
  const length = text.length
  if (length < 2 || text.charCodeAt(0) !== 0x2f) return false
  let start = 1
  for (let i = 1; i <= length; i++) {
    if (i < length && text.charCodeAt(i) !== 0x2f) continue
    const size = i - start
    if (size === 0) return false
    if (size <= 2 && text.charCodeAt(start) === 0x2e && (size === 1 || text.charCodeAt(start + 1) === 0x2e)) return false
    start = i + 1
  }
  return true
}

/** The parent directory of an absolute, normalized path ("/" is its own parent). */
export function parentOf(resolved: string): string {
  return posix.dirname(resolved)
}

/** The last component of an absolute, normalized path. */
export function baseOf(resolved: string): string {
  return posix.basename(resolved)
}

/** `dir` joined with `name`, for paths the fs layer builds itself (readdir recursion, rm, mkdir -p). */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`
}

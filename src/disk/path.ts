import { DiskError } from './disk_error.js'

/** Longest accepted path, in UTF-16 code units (Linux PATH_MAX is 4096 bytes). */
export const MAX_PATH_LENGTH = 4096
/** Longest accepted name of one entry (Linux NAME_MAX). */
export const MAX_NAME_LENGTH = 255

/**
 * Normalizes an absolute path of the disk namespace: collapses `.`, repeated
 * slashes and a trailing slash; `..` stops at `/`. Rejects what names no place
 * in the namespace: non-strings, relative paths, NUL bytes, over-long names.
 */
export function resolveDiskPath(path: string, syscall_hint = 'resolve'): string {
  return '/' + splitDiskPath(path, syscall_hint).join('/')
}

/** The components of a normalized path: `/a/b` is `['a', 'b']`, `/` is `[]`. */
export function splitDiskPath(path: string, syscall_hint = 'resolve'): string[] {
  const normalized = splitNormalized(path)
  if (normalized !== null) return normalized
  if (typeof path !== 'string') {
    throw new DiskError('EINVAL', syscall_hint, undefined, `a disk path must be a string, got ${typeof path}`)
  }
  if (!path.startsWith('/')) {
    throw new DiskError('EINVAL', syscall_hint, path, 'disk paths are absolute: they start with / (resolve relative paths first)')
  }
  if (path.includes('\0')) {
    throw new DiskError('EINVAL', syscall_hint, path.replace(/\0/g, '\\0'), 'a disk path may not contain a NUL byte')
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new DiskError('EINVAL', syscall_hint, path.slice(0, 64) + '...', `a disk path is at most ${MAX_PATH_LENGTH} characters`)
  }
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      parts.pop()
      continue
    }
    if (part.length > MAX_NAME_LENGTH) {
      throw new DiskError('EINVAL', syscall_hint, path, `an entry name is at most ${MAX_NAME_LENGTH} characters`)
    }
    parts.push(part)
  }
  return parts
}

/**
 * The fast path for a path already normalized (what the fs layer's `posix.resolve` hands over):
 * absolute, no empty, `.` or `..` component, no NUL, within the limits. Its components, or null
 * to take the general path (which gives the same answer for what this accepts).
 */
function splitNormalized(path: string): string[] | null {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || path.charCodeAt(0) !== 0x2f) return null
  if (path.length === 1) return []
  if (path.includes('\0')) return null
  const parts = path.slice(1).split('/')
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.length > MAX_NAME_LENGTH) return null
  }
  return parts
}

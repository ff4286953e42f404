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

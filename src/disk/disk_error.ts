/** The POSIX error codes SimDisk raises; the fs layer turns them into Node-shaped errors. */
export type DiskErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EIO'
  | 'ENOSPC'
  | 'EINVAL'
  | 'EBADF'
  | 'EACCES'
  | 'EPERM'
  | 'EXDEV'
  | 'EBUSY'

/** Node's wording (libuv's `uv_strerror`), so messages read like real ones. */
const DESCRIPTIONS: Readonly<Record<DiskErrorCode, string>> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  ENOTEMPTY: 'directory not empty',
  EIO: 'i/o error',
  ENOSPC: 'no space left on device',
  EINVAL: 'invalid argument',
  EBADF: 'bad file descriptor',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EXDEV: 'cross-device link not permitted',
  EBUSY: 'resource busy or locked',
}

export function describeDiskErrorCode(code: DiskErrorCode): string {
  return DESCRIPTIONS[code]
}

/**
 * A failed disk operation. `syscall_hint` names the POSIX call the operation
 * stands for (`open`, `write`, `fsync`...), `path` the path it was given, if any.
 */
export class DiskError extends Error {
  override name = 'DiskError'
  readonly code: DiskErrorCode
  readonly syscall_hint: string
  readonly path: string | undefined

  constructor(code: DiskErrorCode, syscall_hint: string, path?: string, detail?: string) {
    const where = path === undefined ? '' : ` '${path}'`
    super(`${code}: ${DESCRIPTIONS[code]}, ${syscall_hint}${where}${detail === undefined ? '' : ` (${detail})`}`)
    this.code = code
    this.syscall_hint = syscall_hint
    this.path = path
  }
}

import { constants } from 'node:fs'
import { DiskError, type DirEntry, type DiskStat } from '../../disk/index.js'
import type { FsContext } from './context.js'
import { fsIsDirectory, systemError } from './node_error.js'
import { SIMULATED_UMASK } from './ops_fd.js'
import { joinPath, resolveText, type SimPath } from './path.js'
import { io, type Op } from './step.js'

/**
 * The operations on names: stat, access, mkdir, readdir, rmdir, unlink,
 * rename, rm, realpath, utimes, chmod, mkdtemp. Each is a generator of disk
 * steps (step.ts). Errors carry Node's syscall names (`scandir` for readdir,
 * `utime` for utimes, `lstat` for rm and realpath, as Node reports them).
 */

const { R_OK, W_OK, X_OK } = constants

function requireName(path: SimPath, syscall: string): string {
  if (path.resolved === '') throw new DiskError('ENOENT', syscall)
  return path.resolved
}

/** lookup with Linux's trailing-slash rule: `file/` is ENOTDIR. */
export function lookupPath(context: FsContext, path: SimPath, syscall: string): DiskStat {
  const stat = context.disk.lookup(requireName(path, syscall))
  if (path.trailing_slash && stat.kind !== 'directory') throw new DiskError('ENOTDIR', syscall)
  return stat
}

/** stat/lstat (no symbolic links on the simulated disk): its one step is `lookupPath`. */
export function* statOp(context: FsContext, path: SimPath, syscall: 'stat' | 'lstat'): Op<DiskStat> {
  return yield* io('metadata', syscall, path.given, () => lookupPath(context, path, syscall))
}

/** stat that answers null for a missing path (statSync's `throwIfNoEntry: false`). */
export function* statOrNullOp(context: FsContext, path: SimPath, syscall: 'stat' | 'lstat'): Op<DiskStat | null> {
  return yield* io('metadata', syscall, path.given, () => {
    try {
      return lookupPath(context, path, syscall)
    } catch (error) {
      if (error instanceof DiskError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null
      throw error
    }
  })
}

/** access(2) for the simulated user, who owns every file: the owner permission bits decide. */
export function* accessOp(context: FsContext, path: SimPath, mode: number): Op<void> {
  yield* io('metadata', 'access', path.given, () => {
    const stat = lookupPath(context, path, 'access')
    const denied =
      ((mode & R_OK) !== 0 && (stat.mode & 0o400) === 0) ||
      ((mode & W_OK) !== 0 && (stat.mode & 0o200) === 0) ||
      ((mode & X_OK) !== 0 && (stat.mode & 0o100) === 0)
    if (denied) throw new DiskError('EACCES', 'access')
  })
}

/** mkdir(2), or `mkdir -p` with `recursive`: returns the first directory created (undefined when none was). */
export function* mkdirOp(context: FsContext, path: SimPath, mode: number, recursive: boolean): Op<string | undefined> {
  const permissions = mode & ~SIMULATED_UMASK & 0o7777
  if (!recursive) {
    yield* io('metadata', 'mkdir', path.given, () => context.disk.mkdir(requireName(path, 'mkdir'), permissions))
    return undefined
  }
  const target = path.resolved
  const parts = target === '' ? [] : target.split('/').filter((part) => part !== '')
  let first: string | undefined
  let prefix = '/'
  for (let index = 0; index < parts.length; index++) {
    prefix = joinPath(prefix, parts[index] as string)
    const current = prefix
    const last = index === parts.length - 1
    const created = yield* io('metadata', 'mkdir', path.given, () => {
      const stat = context.disk.lookupOrNull(current)
      if (stat === null) {
        context.disk.mkdir(current, permissions)
        return true
      }
      if (stat.kind !== 'directory') throw new DiskError(last ? 'EEXIST' : 'ENOTDIR', 'mkdir')
      return false
    })
    if (created && first === undefined) first = current
  }
  if (target === '') yield* io('metadata', 'mkdir', path.given, () => requireName(path, 'mkdir'))
  return first
}

export interface ReaddirEntry {
  /** The entry's path relative to the directory read (its name, unless recursive). */
  readonly relative: string
  /** The directory holding it (absolute, as resolved). */
  readonly parent: string
  readonly name: string
  readonly kind: DirEntry['kind']
}

/**
 * readdir(3), sorted by name (the simulated disk's order; a real disk's order
 * is arbitrary). `recursive` walks breadth-first, as Node's does.
 */
export function* readdirOp(context: FsContext, path: SimPath, recursive: boolean, syscall: 'scandir' | 'opendir' = 'scandir'): Op<ReaddirEntry[]> {
  const root = requireName(path, syscall)
  // Node's opendir errors name no path ("ENOENT: no such file or directory, opendir").
  const first = yield* io('metadata', syscall, syscall === 'opendir' ? undefined : path.given, () => {
    const stat = lookupPath(context, path, syscall)
    if (stat.kind !== 'directory') throw new DiskError('ENOTDIR', syscall)
    return context.disk.readdir(root)
  })
  const out: ReaddirEntry[] = []
  const queue: { dir: string; relative: string; entries: readonly DirEntry[] }[] = [{ dir: root, relative: '', entries: first }]
  for (let head = 0; head < queue.length; head++) {
    const { dir, relative, entries } = queue[head] as (typeof queue)[number]
    for (const entry of entries) {
      const entry_relative = relative === '' ? entry.name : `${relative}/${entry.name}`
      out.push({ relative: entry_relative, parent: dir, name: entry.name, kind: entry.kind })
      if (recursive && entry.kind === 'directory') {
        const child = joinPath(dir, entry.name)
        const child_entries = yield* io('metadata', 'scandir', child, () => context.disk.readdir(child))
        queue.push({ dir: child, relative: entry_relative, entries: child_entries })
      }
    }
  }
  return out
}

export function* rmdirOp(context: FsContext, path: SimPath): Op<void> {
  yield* io('metadata', 'rmdir', path.given, () => {
    const name = requireName(path, 'rmdir')
    if (name === '/') throw new DiskError('EBUSY', 'rmdir')
    context.disk.rmdir(name)
  })
}

export function* unlinkOp(context: FsContext, path: SimPath): Op<void> {
  yield* io('metadata', 'unlink', path.given, () => unlinkNow(context, path))
}

/** unlinkOp's one step. */
export function unlinkNow(context: FsContext, path: SimPath): void {
  if (path.trailing_slash) lookupPath(context, path, 'unlink')
  context.disk.unlink(requireName(path, 'unlink'))
}

export function* renameOp(context: FsContext, from: SimPath, to: SimPath): Op<void> {
  yield* io('metadata', 'rename', from.given, () => renameNow(context, from, to), to.given)
}

/** renameOp's one step. */
export function renameNow(context: FsContext, from: SimPath, to: SimPath): void {
  const source = requireName(from, 'rename')
  const target = requireName(to, 'rename')
  const stat = lookupPath(context, from, 'rename')
  // Moving a directory into itself.
  if (stat.kind === 'directory' && target !== source && target.startsWith(`${source}/`)) throw new DiskError('EINVAL', 'rename')
  if (source === target) return
  context.disk.rename(source, target)
}

/**
 * `rm`: lstat first (ENOENT unless `force`; a directory without `recursive`
 * is Node's ERR_FS_EISDIR), then a depth-first removal, one disk step per
 * entry, as Node's rimraf does.
 */
export function* rmOp(context: FsContext, path: SimPath, recursive: boolean, force: boolean): Op<void> {
  const stat = force ? yield* statOrNullOp(context, path, 'lstat') : yield* statOp(context, path, 'lstat')
  if (stat === null) return
  if (stat.kind === 'directory' && !recursive) throw fsIsDirectory('rm', path.given)
  yield* removeTree(context, path.resolved, stat.kind, force)
}

function* removeTree(context: FsContext, resolved: string, kind: DirEntry['kind'], force: boolean): Op<void> {
  if (kind === 'file') {
    yield* io('metadata', 'unlink', resolved, () => ignoreMissing(force, () => context.disk.unlink(resolved)))
    return
  }
  const entries = yield* io('metadata', 'scandir', resolved, () => context.disk.readdir(resolved))
  for (const entry of entries) yield* removeTree(context, joinPath(resolved, entry.name), entry.kind, force)
  yield* io('metadata', 'rmdir', resolved, () => ignoreMissing(force, () => context.disk.rmdir(resolved)))
}

function ignoreMissing(force: boolean, remove: () => void): void {
  try {
    remove()
  } catch (error) {
    if (!(force && error instanceof DiskError && error.code === 'ENOENT')) throw error
  }
}

/**
 * realpath: there are no symbolic links on the simulated disk, so it is the
 * resolved path once every component exists. Node's JS realpath lstats each
 * component (its error names the first missing one); `native` reports the whole path.
 */
export function* realpathOp(context: FsContext, path: SimPath, native: boolean): Op<string> {
  if (native) {
    yield* io('metadata', 'realpath', path.given, () => lookupPath(context, path, 'realpath'))
    return path.resolved
  }
  const resolved = requireName(path, 'lstat')
  const parts = resolved.split('/').filter((part) => part !== '')
  let prefix = '/'
  for (let index = 0; index < parts.length; index++) {
    prefix = joinPath(prefix, parts[index] as string)
    const current = prefix
    const stat = yield* io('metadata', 'lstat', current, () => context.disk.lookup(current))
    if (stat.kind !== 'directory' && index < parts.length - 1) {
      const next = joinPath(current, parts[index + 1] as string)
      throw systemError('ENOTDIR', 'lstat', next)
    }
  }
  return resolved
}

export function* utimesOp(context: FsContext, path: SimPath, atime_ns: bigint | null, mtime_ns: bigint | null): Op<void> {
  yield* io('metadata', 'utime', path.given, () => {
    const stat = lookupPath(context, path, 'utime')
    if (atime_ns === null || mtime_ns === null) throw new DiskError('EINVAL', 'utime')
    context.disk.setTimes(stat.ino, atime_ns, mtime_ns)
  })
}

export function* chmodOp(context: FsContext, path: SimPath, mode: number): Op<void> {
  yield* io('metadata', 'chmod', path.given, () => context.disk.setMode(lookupPath(context, path, 'chmod').ino, mode & 0o7777))
}

const TEMP_CHARACTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
/** Suffixes tried before mkdtemp gives up with EEXIST (libuv's mkdtemp tries TMP_MAX times). */
const MKDTEMP_ATTEMPTS = 100

/** mkdtemp: `prefix` plus six characters from the seeded `fs.mkdtemp` stream. */
export function* mkdtempOp(context: FsContext, prefix: SimPath): Op<string> {
  const template = `${prefix.given}XXXXXX`
  for (let attempt = 0; attempt < MKDTEMP_ATTEMPTS; attempt++) {
    let suffix = ''
    const random = context.random()
    for (let index = 0; index < 6; index++) suffix += TEMP_CHARACTERS[random.intLessThan(TEMP_CHARACTERS.length)]
    const given = `${prefix.given}${suffix}`
    const resolved = resolveText(given).resolved
    const made = yield* io('metadata', 'mkdtemp', template, () => {
      try {
        context.disk.mkdir(resolved, 0o700)
        return true
      } catch (error) {
        if (error instanceof DiskError && error.code === 'EEXIST') return false
        throw error
      }
    })
    if (made) return given
  }
  throw systemError('EEXIST', 'mkdtemp', template)
}

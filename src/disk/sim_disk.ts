import { formatRate, rollRate, type BuggifyRate } from '../world/buggify.js'
import type { Random } from '../world/random.js'
import type { World } from '../world/world.js'
import { createAuthority, DISK_AUTHORITY, type DiskAuthority } from './authority.js'
import { DiskError } from './disk_error.js'
import { DiskState } from './disk_state.js'
import { validateDiskFaults, type DiskFaults } from './faults.js'
import { newDirNode, newFileNode, ROOT_INO, type DirNode, type FileNode, type Inode, type PendingWrite } from './inode.js'
import type { EntryChange, DirEntryOperation } from './journal.js'
import { MAX_FILE_SIZE_BYTES, resolveDiskOptions, type DiskOptions } from './options.js'
import { splitDiskPath } from './path.js'
import { commitSectors, newSectorsFor, readSectors, truncateSectors, writeSectors } from './sectors.js'
import type { DirEntry, DiskOperationKind, DiskStat } from './types.js'

export { DISK_AUTHORITY, type DiskAuthority } from './authority.js'

const MODE_MASK = 0o7777
/** Pending writes per file before superseded ones (owning no sector) are pruned. */
const PRUNE_MIN_PENDING = 64
/** Paths whose split components a disk remembers (a program names the same few paths again and again); cleared when full. */
const MAX_SPLIT_PATHS = 1024
/** Bound on inodes alive at once: a runaway create loop fails instead of exhausting memory. */
export const MAX_INODES = 1 << 22

/**
 * The simulated disk: a POSIX-like namespace of directories and files over sparse sectors,
 * synchronous and deterministic. Reads see writes at once; fsync makes them durable; a crash
 * (through DiskControl) decides what survives. Every operation has an id and a trace event.
 */
export class SimDisk {
  readonly world: World
  readonly sector_size_bytes: number
  readonly min_latency_ns: number
  readonly jitter_ns: number
  readonly #s: DiskState
  #latency_random: Random | null = null
  /** Path to its components, as splitDiskPath returns them (only paths it accepted); never mutated. */
  readonly #split_paths = new Map<string, readonly string[]>()

  constructor(world: World, options: DiskOptions & { tick_ns?: number } = {}) {
    this.world = world
    const resolved = resolveDiskOptions(options)
    this.sector_size_bytes = resolved.sector_size_bytes
    this.min_latency_ns = resolved.min_latency_ns
    this.jitter_ns = resolved.jitter_ns
    this.#s = new DiskState(world, resolved.sector_size_bytes, resolved.capacity_bytes, validateDiskFaults(options.faults))
  }

  get crashed(): boolean {
    return this.#s.crashed
  }

  /** Crashes so far. File descriptors opened before a crash died with its process: the fs layer drops them. */
  get crash_count(): number {
    return this.#s.crash_count
  }

  get faults(): DiskFaults {
    return this.#s.faults
  }

  /**
   * Simulated duration of an operation: min_latency_ns plus seeded jitter in [0, jitter_ns].
   * Every kind shares this model today; `kind` lets per-kind latencies come without an API change.
   */
  latencyNs(kind: DiskOperationKind): number {
    void kind
    if (this.jitter_ns === 0) return this.min_latency_ns
    this.#latency_random ??= this.world.random('disk.latency')
    return this.min_latency_ns + this.#latency_random.intBetween(0, this.jitter_ns)
  }

  // ---- namespace ------------------------------------------------------------------------------

  lookup(path: string): DiskStat {
    const op = this.#begin('lookup', 'stat', path)
    const inode = this.#walk(this.#split(path, 'stat', op, 'lookup'), 'stat', path, op, 'lookup')
    this.world.recordFields('disk.lookup', { op, path, ino: inode.ino })
    return this.#s.stat(inode)
  }

  /**
   * `lookup` for a caller that expects the path may be missing (open with O_CREAT, mkdir -p):
   * null where lookup fails with ENOENT (the entry or a directory above it is absent), traced
   * exactly as that failure, without building an error only to drop it. Other failures (ENOTDIR,
   * EINVAL, EIO) throw as in lookup.
   */
  lookupOrNull(path: string): DiskStat | null {
    const op = this.#begin('lookup', 'stat', path)
    const parts = this.#split(path, 'stat', op, 'lookup')
    let inode: Inode = this.#s.inode(ROOT_INO)
    for (const part of parts) {
      if (inode.kind !== 'directory') this.#fail(op, 'lookup', 'ENOTDIR', 'stat', path)
      const next = inode.entries.get(part)
      if (next === undefined) {
        this.world.recordFields('disk.lookup', { op, path, error: 'ENOENT' })
        return null
      }
      inode = this.#s.inode(next)
    }
    this.world.recordFields('disk.lookup', { op, path, ino: inode.ino })
    return this.#s.stat(inode)
  }

  statIno(ino: number): DiskStat {
    const op = this.#begin('stat', 'fstat')
    const inode = this.#byIno(ino, 'fstat', op, 'stat')
    this.world.record('disk.stat', { op, ino })
    return this.#s.stat(inode)
  }

  mkdir(path: string, mode: number): number {
    const op = this.#begin('mkdir', 'mkdir', path)
    const { dir, name } = this.#parent(path, 'mkdir', op, 'mkdir')
    if (name === null || dir.entries.has(name)) this.#fail(op, 'mkdir', 'EEXIST', 'mkdir', path)
    const inode = newDirNode(this.#allocIno(op, 'mkdir', path), mode & MODE_MASK, this.#s.now())
    this.#s.inodes.set(inode.ino, inode)
    this.#changeEntries(op, 'mkdir', path, dir, [{ dir, name, before: 0, after: inode.ino }])
    this.world.recordFields('disk.mkdir', { op, path, ino: inode.ino })
    return inode.ino
  }

  rmdir(path: string): void {
    const op = this.#begin('rmdir', 'rmdir', path)
    const { dir, name } = this.#parent(path, 'rmdir', op, 'rmdir')
    if (name === null) this.#fail(op, 'rmdir', 'EBUSY', 'rmdir', path)
    const inode = this.#entry(dir, name, 'rmdir', path, op, 'rmdir')
    if (inode.kind !== 'directory') this.#fail(op, 'rmdir', 'ENOTDIR', 'rmdir', path)
    if (inode.entries.size > 0) this.#fail(op, 'rmdir', 'ENOTEMPTY', 'rmdir', path)
    this.#changeEntries(op, 'rmdir', path, dir, [{ dir, name, before: inode.ino, after: 0 }])
    this.world.recordFields('disk.rmdir', { op, path, ino: inode.ino })
  }

  /** Entries sorted by name (code unit order), so listings are deterministic. */
  readdir(path: string): DirEntry[] {
    const op = this.#begin('readdir', 'scandir', path)
    const inode = this.#walk(this.#split(path, 'scandir', op, 'readdir'), 'scandir', path, op, 'readdir')
    if (inode.kind !== 'directory') this.#fail(op, 'readdir', 'ENOTDIR', 'scandir', path)
    const names = [...inode.entries.keys()].sort()
    const entries: DirEntry[] = names.map((name) => {
      const ino = inode.entries.get(name) as number
      return { name, ino, kind: this.#s.inode(ino).kind }
    })
    this.world.recordFields('disk.readdir', { op, path, entries: entries.length })
    return entries
  }

  createFile(path: string, mode: number, exclusive: boolean): { ino: number; created: boolean } {
    const op = this.#begin('create', 'open', path)
    const { dir, name } = this.#parent(path, 'open', op, 'create')
    if (name === null) this.#fail(op, 'create', 'EISDIR', 'open', path)
    const existing = dir.entries.get(name)
    if (existing !== undefined) {
      const inode = this.#s.inode(existing)
      if (exclusive) this.#fail(op, 'create', 'EEXIST', 'open', path)
      if (inode.kind === 'directory') this.#fail(op, 'create', 'EISDIR', 'open', path)
      this.world.recordFields('disk.create', { op, path, ino: existing, created: false })
      return { ino: existing, created: false }
    }
    const inode = newFileNode(this.#allocIno(op, 'create', path), mode & MODE_MASK, this.#s.now())
    this.#s.inodes.set(inode.ino, inode)
    this.#changeEntries(op, 'create', path, dir, [{ dir, name, before: 0, after: inode.ino }])
    this.world.recordFields('disk.create', { op, path, ino: inode.ino, created: true })
    return { ino: inode.ino, created: true }
  }

  /** Removes a file's entry. Directories: EISDIR (Linux says so for unlink of a directory). */
  unlink(path: string): void {
    const op = this.#begin('unlink', 'unlink', path)
    const { dir, name } = this.#parent(path, 'unlink', op, 'unlink')
    if (name === null) this.#fail(op, 'unlink', 'EISDIR', 'unlink', path)
    const inode = this.#entry(dir, name, 'unlink', path, op, 'unlink')
    if (inode.kind === 'directory') this.#fail(op, 'unlink', 'EISDIR', 'unlink', path)
    this.#changeEntries(op, 'unlink', path, dir, [{ dir, name, before: inode.ino, after: 0 }])
    this.world.recordFields('disk.unlink', { op, path, ino: inode.ino })
  }

  /** POSIX rename: replaces a file by a file or an empty directory by a directory, atomically. */
  rename(from: string, to: string): void {
    const op = this.#begin('rename', 'rename', from)
    const source = this.#parent(from, 'rename', op, 'rename')
    const target = this.#parent(to, 'rename', op, 'rename')
    if (source.name === null || target.name === null) this.#fail(op, 'rename', 'EBUSY', 'rename', from)
    const moving = this.#entry(source.dir, source.name, 'rename', from, op, 'rename')
    const replaced_ino = target.dir.entries.get(target.name) ?? 0
    if (replaced_ino === moving.ino) {
      this.world.recordFields('disk.rename', { op, from, to, ino: moving.ino, replaced: 0 })
      return
    }
    if (moving.kind === 'directory' && this.#isWithin(target.dir, moving)) {
      this.#fail(op, 'rename', 'EINVAL', 'rename', from, `cannot move a directory into itself: ${to}`)
    }
    if (replaced_ino !== 0) {
      const replaced = this.#s.inode(replaced_ino)
      if (moving.kind === 'directory' && replaced.kind !== 'directory') this.#fail(op, 'rename', 'ENOTDIR', 'rename', to)
      if (moving.kind === 'file' && replaced.kind === 'directory') this.#fail(op, 'rename', 'EISDIR', 'rename', to)
      if (replaced.kind === 'directory' && replaced.entries.size > 0) this.#fail(op, 'rename', 'ENOTEMPTY', 'rename', to)
    }
    this.#changeEntries(op, 'rename', from, source.dir, [
      { dir: source.dir, name: source.name, before: moving.ino, after: 0 },
      { dir: target.dir, name: target.name, before: replaced_ino, after: moving.ino },
    ], to)
    if (target.dir !== source.dir) this.#touch(target.dir)
    this.world.recordFields('disk.rename', { op, from, to, ino: moving.ino, replaced: replaced_ino })
  }

  // ---- data, by inode ---------------------------------------------------------------------------

  /** Reads up to `length` bytes at `offset`: fewer at EOF, none past it. */
  read(ino: number, offset: number, length: number): Uint8Array {
    const op = this.#begin('read', 'read')
    const file = this.#file(ino, op, 'read', 'read')
    this.#checkRange(offset, length, op, 'read', 'read')
    const count = Math.max(0, Math.min(length, file.size_bytes - offset))
    const bytes = new Uint8Array(count)
    this.#readInto(op, file, offset, bytes, 0, count, length)
    return bytes
  }

  /** Like `read`, into `target` at `target_offset`; returns the bytes read. Saves the copy the fs layer would make. */
  readInto(ino: number, offset: number, target: Uint8Array, target_offset: number, length: number): number {
    const op = this.#begin('read', 'read')
    const file = this.#file(ino, op, 'read', 'read')
    this.#checkRange(offset, length, op, 'read', 'read')
    if (!Number.isSafeInteger(target_offset) || target_offset < 0 || target_offset + length > target.length) {
      this.#fail(op, 'read', 'EINVAL', 'read', undefined, `target range [${target_offset}, +${length}) exceeds the buffer of ${target.length} bytes`)
    }
    const count = Math.max(0, Math.min(length, file.size_bytes - offset))
    this.#readInto(op, file, offset, target, target_offset, count, length)
    return count
  }

  /** Writes `bytes` at `offset` (zero-filling any gap past EOF); returns the bytes written. */
  write(ino: number, offset: number, bytes: Uint8Array): number {
    const op = this.#begin('write', 'write')
    const file = this.#file(ino, op, 'write', 'write')
    if (!(bytes instanceof Uint8Array)) this.#fail(op, 'write', 'EINVAL', 'write', undefined, 'data must be a Uint8Array')
    this.#checkRange(offset, bytes.length, op, 'write', 'write')
    const size = bytes.length
    if (this.#roll(op, 'write_error_rate')) {
      this.world.record('disk.write', { op, ino, offset, size, error: 'EIO' })
      throw new DiskError('EIO', 'write', undefined, 'write_error_rate fired')
    }
    let data = bytes
    if (size >= 2 && this.#roll(op, 'short_write_rate')) data = bytes.subarray(0, this.#s.faultRandom().intBetween(1, size - 1))
    let at = offset
    if (size > 0 && this.#roll(op, 'misdirected_write_rate')) at = this.#misdirect(file, offset)
    if (this.#s.capacity_bytes !== null) {
      const needed = newSectorsFor(file, this.sector_size_bytes, at, data.length)
      if ((this.#s.space.used_sectors + needed) * this.sector_size_bytes > this.#s.capacity_bytes) {
        this.world.record('disk.write', { op, ino, offset, size, error: 'ENOSPC' })
        throw new DiskError('ENOSPC', 'write', undefined, `capacity ${this.#s.capacity_bytes} bytes`)
      }
    }
    if (data.length > 0) {
      const pending: PendingWrite = { op, ino, offset: at, size_bytes: data.length, sectors_owned: 0 }
      file.pending.push(pending)
      writeSectors(file, this.sector_size_bytes, at, data, pending, this.#s.space)
      // Rewrites of the same sectors leave writes that own nothing; dropping them now and then
      // bounds the list by the dirty sectors, at O(1) amortized per write.
      if (file.pending.length > PRUNE_MIN_PENDING && file.pending.length > 2 * file.dirty.size) {
        file.pending = file.pending.filter((write) => write.sectors_owned > 0)
      }
      this.#modified(file)
    }
    if (at !== offset) this.world.record('disk.write', { op, ino, offset, size, written: data.length, misdirected_to: at })
    else this.world.record('disk.write', { op, ino, offset, size, written: data.length })
    return data.length
  }

  /** Sets the size. Durable at once (the size only; pending data stays pending), like a journaled metadata change. */
  truncate(ino: number, size_bytes: number): void {
    const op = this.#begin('truncate', 'ftruncate')
    const file = this.#file(ino, op, 'truncate', 'ftruncate')
    this.#checkRange(size_bytes, 0, op, 'truncate', 'ftruncate')
    truncateSectors(file, this.sector_size_bytes, size_bytes, this.#s.space)
    this.#modified(file)
    this.world.record('disk.truncate', { op, ino, size: size_bytes })
  }

  /** File: data and size become durable. Directory: its entry changes (and every earlier one) become durable. */
  fsync(ino: number): void {
    const op = this.#begin('fsync', 'fsync')
    const inode = this.#byIno(ino, 'fsync', op, 'fsync')
    if (inode.kind === 'file') {
      const writes = commitSectors(inode, this.#s.space)
      this.world.record('disk.fsync', { op, ino, kind: 'file', writes })
      return
    }
    const committed = inode.last_change_seq < 0 ? [] : this.#s.journal.commitThrough(inode.last_change_seq)
    this.world.record('disk.fsync', { op, ino, kind: 'directory', entries: committed.length })
    this.#s.freeAfterCommit(committed)
  }

  setTimes(ino: number, atime_ns: bigint, mtime_ns: bigint): void {
    const op = this.#begin('utimes', 'futime')
    const inode = this.#byIno(ino, 'futime', op, 'utimes')
    if (typeof atime_ns !== 'bigint' || typeof mtime_ns !== 'bigint') {
      this.#fail(op, 'utimes', 'EINVAL', 'futime', undefined, 'times are bigint nanoseconds')
    }
    inode.atime_ns = atime_ns
    inode.mtime_ns = mtime_ns
    inode.ctime_ns = this.#s.now()
    this.world.record('disk.utimes', { op, ino, atime_ns, mtime_ns })
  }

  setMode(ino: number, mode: number): void {
    const op = this.#begin('chmod', 'fchmod')
    const inode = this.#byIno(ino, 'fchmod', op, 'chmod')
    if (!Number.isInteger(mode) || mode < 0) this.#fail(op, 'chmod', 'EINVAL', 'fchmod', undefined, `mode must be a non-negative integer, got ${mode}`)
    inode.mode = mode & MODE_MASK
    inode.ctime_ns = this.#s.now()
    this.world.record('disk.chmod', { op, ino, mode: '0o' + inode.mode.toString(8) })
  }

  /** An open descriptor holds `ino`: an unlinked file stays readable until every hold is released. Not traced. */
  retain(ino: number): void {
    if (this.#s.crashed) throw new DiskError('EIO', 'open', undefined, 'the disk is crashed')
    const inode = this.#s.inodes.get(ino)
    if (inode === undefined) throw new DiskError('EBADF', 'open', undefined, `no inode ${ino}`)
    inode.holds++
  }

  /** Drops a hold taken by `retain`; a no-op for an inode the disk no longer has (e.g. after a crash). */
  release(ino: number): void {
    const inode = this.#s.inodes.get(ino)
    if (inode === undefined || inode.holds === 0) return
    inode.holds--
    this.#s.maybeFree(inode)
  }

  /** The harness's authority (DiskControl); the key is not exported from the package. */
  [DISK_AUTHORITY](): DiskAuthority {
    return createAuthority(this.#s)
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** Starts an operation: its id, and EIO while crashed. */
  #begin(kind: string, syscall: string, path?: string): number {
    const op = this.#s.next_op++
    if (this.#s.crashed) {
      if (path === undefined) this.world.record('disk.' + kind, { op, error: 'EIO' })
      else this.world.recordFields('disk.' + kind, { op, path: String(path), error: 'EIO' })
      throw new DiskError('EIO', syscall, path, 'the disk is crashed; DiskControl.restart() brings it back')
    }
    return op
  }

  #fail(op: number, kind: string, code: DiskError['code'], syscall: string, path?: string, detail?: string): never {
    if (path === undefined) this.world.record('disk.' + kind, { op, error: code })
    else this.world.recordFields('disk.' + kind, { op, path, error: code })
    throw new DiskError(code, syscall, path, detail)
  }

  #byIno(ino: number, syscall: string, op: number, kind: string): Inode {
    const inode = this.#s.inodes.get(ino)
    if (inode === undefined) this.#fail(op, kind, 'EBADF', syscall, undefined, `no inode ${String(ino)}`)
    return inode
  }

  #file(ino: number, op: number, kind: string, syscall: string): FileNode {
    const inode = this.#byIno(ino, syscall, op, kind)
    if (inode.kind !== 'file') this.#fail(op, kind, 'EISDIR', syscall)
    return inode
  }

  #checkRange(offset: number, length: number, op: number, kind: string, syscall: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || offset + length > MAX_FILE_SIZE_BYTES) {
      this.#fail(op, kind, 'EINVAL', syscall, undefined, `offset ${offset} and length ${length} must be non-negative integers within ${MAX_FILE_SIZE_BYTES} bytes`)
    }
  }

  #readInto(op: number, file: FileNode, offset: number, target: Uint8Array, target_offset: number, count: number, length: number): void {
    const ino = file.ino
    if (this.#roll(op, 'read_error_rate')) {
      this.world.record('disk.read', { op, ino, offset, size: length, error: 'EIO' })
      throw new DiskError('EIO', 'read', undefined, 'read_error_rate fired')
    }
    if (count > 0) readSectors(file, this.sector_size_bytes, offset, target, target_offset, count)
    if (count > 0 && this.#roll(op, 'corrupt_read_rate')) {
      const at = this.#s.faultRandom().intLessThan(count)
      target[target_offset + at] = (target[target_offset + at] as number) ^ 0xff
      this.world.record('disk.read', { op, ino, offset, size: length, read: count, corrupted_at: offset + at })
      return
    }
    this.world.record('disk.read', { op, ino, offset, size: length, read: count })
  }

  /** A misdirected write keeps its offset within the sector but goes to another sector of the file (at most one past its end). */
  #misdirect(file: FileNode, offset: number): number {
    const ss = this.sector_size_bytes
    const intended = Math.floor(offset / ss)
    const last = Math.floor(Math.max(file.size_bytes - 1, 0) / ss) + 1
    let index = this.#s.faultRandom().intLessThan(intended <= last ? last : last + 1)
    if (intended <= last && index >= intended) index++
    return index * ss + (offset - intended * ss)
  }

  #roll(op: number, fault: keyof DiskFaults): boolean {
    const rate: BuggifyRate = this.#s.faults[fault]
    if (rate.kind === 'never') return false
    const { roll, fired } = rollRate(rate, this.#s.faultRandom())
    this.world.record('disk.fault', { op, fault, rate: formatRate(rate), roll: roll ?? 'none', fired })
    return fired
  }

  #modified(inode: Inode): void {
    const now = this.#s.now()
    inode.mtime_ns = now
    inode.ctime_ns = now
  }

  #touch(dir: DirNode): void {
    this.#modified(dir)
  }

  #allocIno(op: number, kind: string, path: string): number {
    if (this.#s.inodes.size >= MAX_INODES) this.#fail(op, kind, 'ENOSPC', kind, path, `the disk holds at most ${MAX_INODES} inodes`)
    return this.#s.next_ino++
  }

  #changeEntries(op: number, operation: DirEntryOperation, path: string, dir: DirNode, changes: EntryChange[], to: string | null = null): void {
    this.#s.journal.apply(op, operation, path, to, changes)
    this.#touch(dir)
    const overflow = this.#s.journal.overflowSeq()
    if (overflow !== null) {
      this.#s.freeAfterCommit(this.#s.journal.commitThrough(overflow))
      this.world.record('disk.journal_full', { op, committed_seq: overflow })
    }
  }

  /** The inode `parts[0..count)` names (all of `parts` by default). */
  #walk(parts: readonly string[], syscall: string, path: string, op: number, kind: string, count = parts.length): Inode {
    let inode: Inode = this.#s.inode(ROOT_INO)
    for (let i = 0; i < count; i++) {
      const part = parts[i] as string
      if (inode.kind !== 'directory') this.#fail(op, kind, 'ENOTDIR', syscall, path)
      const next = inode.entries.get(part)
      if (next === undefined) this.#fail(op, kind, 'ENOENT', syscall, path)
      inode = this.#s.inode(next)
    }
    return inode
  }

  /** Splits a path; a path naming no place in the namespace fails in the trace like any error. */
  #split(path: string, syscall: string, op: number, kind: string): readonly string[] {
    const known = this.#split_paths.get(path)
    if (known !== undefined) return known
    try {
      const parts = splitDiskPath(path, syscall)
      if (this.#split_paths.size >= MAX_SPLIT_PATHS) this.#split_paths.clear()
      this.#split_paths.set(path, parts)
      return parts
    } catch (error) {
      if (error instanceof DiskError) this.world.recordFields('disk.' + kind, { op, path: String(path), error: error.code })
      throw error
    }
  }

  /** The directory that holds `path`'s last component; name null for `/`. */
  #parent(path: string, syscall: string, op: number, kind: string): { dir: DirNode; name: string } | { dir: DirNode; name: null } {
    const parts = this.#split(path, syscall, op, kind)
    if (parts.length === 0) return { dir: this.#s.inode(ROOT_INO) as DirNode, name: null }
    const dir = this.#walk(parts, syscall, path, op, kind, parts.length - 1)
    if (dir.kind !== 'directory') this.#fail(op, kind, 'ENOTDIR', syscall, path)
    return { dir, name: parts[parts.length - 1] as string }
  }

  #entry(dir: DirNode, name: string, syscall: string, path: string, op: number, kind: string): Inode {
    const ino = dir.entries.get(name)
    if (ino === undefined) this.#fail(op, kind, 'ENOENT', syscall, path)
    return this.#s.inode(ino)
  }

  /** Is `dir` the directory `ancestor` or inside it? */
  #isWithin(dir: DirNode, ancestor: Inode): boolean {
    let current: Inode = dir
    for (let depth = 0; depth < 4096; depth++) {
      if (current.ino === ancestor.ino) return true
      if (current.ino === ROOT_INO || current.parent_ino === 0) return false
      current = this.#s.inode(current.parent_ino)
    }
    throw new Error('SimDisk: directory chain deeper than 4096')
  }
}

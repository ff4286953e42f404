import { crashData } from './crash.js'
import { DiskError } from './disk_error.js'
import type { DiskState } from './disk_state.js'
import { crashNamespace, durableView, walkDurable } from './durable.js'
import { faultFields, validateDiskFaults, type DiskFaultOptions } from './faults.js'
import { ROOT_INO, type FileNode } from './inode.js'
import { splitDiskPath } from './path.js'
import { readSectors } from './sectors.js'

/** Key of the harness-only authority on a SimDisk; not exported from src/disk/index.ts. */
export const DISK_AUTHORITY = Symbol('marionette.disk.authority')

/** What DiskControl uses; application code holding a SimDisk cannot name the key. */
export interface DiskAuthority {
  setFaults(faults: DiskFaultOptions): void
  setCapacity(capacity_bytes: number | null): void
  crash(): void
  restart(): void
  corruptSector(path: string, offset: number): void
  durableFile(path: string): Uint8Array | null
  durableTree(): readonly string[]
  volatileFile(path: string): Uint8Array | null
  pendingWrites(): number
  pendingDirEntries(): number
  usedBytes(): number
}

export function createAuthority(state: DiskState): DiskAuthority {
  const world = state.world
  const inode = (ino: number) => state.inode(ino)
  return {
    setFaults: (faults) => {
      state.faults = validateDiskFaults(faults)
      world.record('disk.faults', faultFields(state.faults))
    },
    setCapacity: (capacity_bytes) => {
      if (capacity_bytes !== null && (!Number.isSafeInteger(capacity_bytes) || capacity_bytes < 0)) {
        throw new RangeError(`setCapacity: capacity_bytes must be a non-negative integer or null, got ${capacity_bytes}`)
      }
      state.capacity_bytes = capacity_bytes
      world.record('disk.capacity', { capacity_bytes: capacity_bytes ?? 'unlimited' })
    },
    crash: () => crash(state),
    restart: () => {
      if (!state.crashed) throw new Error('DiskControl.restart: the disk is not crashed')
      state.crashed = false
      world.record('disk.restart', { op: state.next_op++ })
    },
    corruptSector: (path, offset) => corruptSector(state, path, offset),
    durableFile: (path) => {
      const view = durableView(state.journal)
      const found = walkDurable(view, inode, splitDiskPath(path, 'durableFile'))
      return found?.kind === 'file' ? view.content(found, state.sector_size_bytes) : null
    },
    durableTree: () => durableView(state.journal).tree(inode),
    volatileFile: (path) => {
      const found = state.walkQuiet(splitDiskPath(path, 'volatileFile'))
      if (found?.kind !== 'file') return null
      const bytes = new Uint8Array(found.size_bytes)
      readSectors(found, state.sector_size_bytes, 0, bytes, 0, bytes.length)
      return bytes
    },
    pendingWrites: () => {
      let count = 0
      for (const node of state.inodes.values()) {
        if (node.kind === 'file') for (const pending of node.pending) if (pending.sectors_owned > 0) count++
      }
      return count
    },
    pendingDirEntries: () => state.journal.size,
    usedBytes: () => state.space.used_sectors * state.sector_size_bytes,
  }
}

/** Power loss: directory entries then data writes land or not (durable.ts, crash.ts); holds and orphans go. */
function crash(state: DiskState): void {
  if (state.crashed) throw new Error('DiskControl.crash: the disk is already crashed; restart it first')
  const world = state.world
  const op = state.next_op++
  const files: FileNode[] = []
  let pending_writes = 0
  for (const node of state.inodes.values()) {
    if (node.kind === 'file' && node.pending.length > 0) {
      files.push(node)
      pending_writes += node.pending.length
    }
  }
  world.record('disk.crash', { op, pending_writes, pending_dir_entries: state.journal.size })
  const random = world.random('disk.crash')
  crashNamespace(world, random, state.faults.crash_lost_dir_entry_rate, state.journal)
  crashData(world, random, state.faults, files, state.sector_size_bytes, state.space)
  // Processes die with the power: holds go, and inodes no directory reaches are gone.
  const reachable = new Set<number>()
  const stack: number[] = [ROOT_INO]
  while (stack.length > 0) {
    const ino = stack.pop() as number
    reachable.add(ino)
    const node = state.inode(ino)
    if (node.kind === 'directory') for (const child of node.entries.values()) stack.push(child)
  }
  for (const node of [...state.inodes.values()]) {
    node.holds = 0
    if (!reachable.has(node.ino)) state.drop(node)
  }
  state.crashed = true
  state.crash_count++
}

function corruptSector(state: DiskState, path: string, offset: number): void {
  const op = state.next_op++
  const file = state.walkQuiet(splitDiskPath(path, 'corruptSector'))
  if (file?.kind !== 'file') throw new DiskError('ENOENT', 'corruptSector', path, 'no file at this path')
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= file.size_bytes) {
    throw new DiskError('EINVAL', 'corruptSector', path, `offset ${offset} is outside the file (size ${file.size_bytes})`)
  }
  const ss = state.sector_size_bytes
  const index = Math.floor(offset / ss)
  const length = Math.min(ss, file.size_bytes - index * ss)
  const damage = state.world.random('disk.corrupt').fill(new Uint8Array(length))
  let sector = file.sectors.get(index)
  if (sector === undefined) {
    sector = new Uint8Array(ss)
    file.sectors.set(index, sector)
    state.space.used_sectors++
  }
  // XOR with odd bytes changes every byte; the durable copy is the medium, so it is damaged too.
  for (let i = 0; i < length; i++) sector[i] = (sector[i] as number) ^ ((damage[i] as number) | 1)
  const durable = file.dirty.get(index)?.durable
  if (durable != null) for (let i = 0; i < length; i++) durable[i] = (durable[i] as number) ^ ((damage[i] as number) | 1)
  state.world.recordFields('disk.corrupt', { op, path, ino: file.ino, offset, sector: index })
}

import type { Random } from '../world/random.js'
import type { World } from '../world/world.js'
import type { DiskFaults } from './faults.js'
import { newDirNode, ROOT_INO, type Inode } from './inode.js'
import { DirJournal, type EntryChange } from './journal.js'
import { newSectorSpace, recycleFile, type SectorSpace } from './sectors.js'
import type { DiskStat } from './types.js'

/**
 * The state a SimDisk and its DiskControl share: inodes, the directory-entry journal,
 * allocated space, the fault profile and the crashed flag.
 */
export class DiskState {
  readonly inodes = new Map<number, Inode>()
  readonly journal: DirJournal
  readonly space: SectorSpace
  next_ino = ROOT_INO
  next_op = 1
  crashed = false
  /** Crashes so far: what ran before a crash (its open descriptors) belongs to a process that died. */
  crash_count = 0
  #fault_random: Random | null = null
  /** Wall-clock ns of the last operation, reused while the clock stands still (saves a bigint per op). */
  #now_ms = -1
  #now_sub_ns = -1
  #now_ns = 0n

  constructor(
    readonly world: World,
    readonly sector_size_bytes: number,
    public capacity_bytes: number | null,
    public faults: DiskFaults,
  ) {
    this.space = newSectorSpace(sector_size_bytes)
    this.journal = new DirJournal((ino) => this.inode(ino))
    const root = newDirNode(this.next_ino++, 0o755, this.now())
    root.parent_ino = ROOT_INO
    this.inodes.set(root.ino, root)
  }

  inode(ino: number): Inode {
    const inode = this.inodes.get(ino)
    if (inode === undefined) throw new Error(`SimDisk: inode ${ino} is referenced but does not exist`)
    return inode
  }

  /** The stream operation faults roll from; created on the first roll, so a fault-free disk draws nothing. */
  faultRandom(): Random {
    this.#fault_random ??= this.world.random('disk.faults')
    return this.#fault_random
  }

  now(): bigint {
    const clock = this.world.clock
    if (clock.ms !== this.#now_ms || clock.sub_ns !== this.#now_sub_ns) {
      this.#now_ms = clock.ms
      this.#now_sub_ns = clock.sub_ns
      this.#now_ns = BigInt(clock.epoch_ms + clock.ms) * 1_000_000n + BigInt(clock.sub_ns)
    }
    return this.#now_ns
  }

  walkQuiet(parts: readonly string[]): Inode | null {
    let inode: Inode = this.inode(ROOT_INO)
    for (const part of parts) {
      if (inode.kind !== 'directory') return null
      const next = inode.entries.get(part)
      if (next === undefined) return null
      inode = this.inode(next)
    }
    return inode
  }

  /** After a journal commit: frees inodes whose removal just became durable, unless held. */
  freeAfterCommit(committed: readonly { changes: readonly EntryChange[] }[]): void {
    for (const entry of committed) {
      for (const change of entry.changes) {
        if (change.before === 0) continue
        const inode = this.inodes.get(change.before)
        if (inode !== undefined) this.maybeFree(inode)
      }
    }
  }

  maybeFree(inode: Inode): void {
    if (inode.ino === ROOT_INO || inode.parent_ino !== 0 || inode.holds > 0 || inode.journal_refs > 0) return
    this.drop(inode)
  }

  drop(inode: Inode): void {
    if (inode.kind === 'file') {
      this.space.used_sectors -= inode.sectors.size
      recycleFile(inode, this.space)
    }
    this.inodes.delete(inode.ino)
  }

  stat(inode: Inode): DiskStat {
    const ss = this.sector_size_bytes
    let nlink: number
    let size_bytes: number
    let blocks: number
    if (inode.kind === 'file') {
      nlink = inode.parent_ino === 0 ? 0 : 1
      size_bytes = inode.size_bytes
      blocks = Math.ceil((inode.sectors.size * ss) / 512)
    } else {
      nlink = inode.parent_ino === 0 ? 0 : 2
      if (nlink > 0) for (const child of inode.entries.values()) if (this.inode(child).kind === 'directory') nlink++
      size_bytes = ss
      blocks = Math.ceil(ss / 512)
    }
    return {
      ino: inode.ino,
      kind: inode.kind,
      size_bytes,
      mode: inode.mode,
      nlink,
      blocks,
      atime_ns: inode.atime_ns,
      mtime_ns: inode.mtime_ns,
      ctime_ns: inode.ctime_ns,
      birthtime_ns: inode.birthtime_ns,
    }
  }
}

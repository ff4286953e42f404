import { formatRate, rollRate, type BuggifyRate } from '../world/buggify.js'
import type { Random } from '../world/random.js'
import type { World } from '../world/world.js'
import type { DiskFaults } from './faults.js'
import type { FileNode, PendingWrite } from './inode.js'
import type { SectorSpace } from './sectors.js'

/**
 * What a crash does to pending data writes.
 *
 * Write-back is modelled like a page cache over an ordered device queue. A dirty sector
 * holds its latest content; the pending write that last touched it "owns" it. At a crash
 * the pending writes are taken in op order (across files) and each gets one outcome:
 *
 * - `landed`: its sectors keep their latest content.
 * - `lost` (crash_lost_write_rate): its sectors go back to their durable content.
 * - `torn` (crash_torn_write_rate): a prefix lands. Owning n >= 2 sectors, the first k
 *   (1 <= k < n, ascending sector index) land; owning one sector, the sector keeps its
 *   latest bytes before a seeded cut inside the write's range and durable bytes from it on.
 * - After the first lost or torn write, every later write is lost (the queue stops), unless
 *   crash_reorder_write_rate fires for it: `reordered`, it lands anyway.
 * - `superseded`: owns no sector (later writes rewrote all of them); no roll. Such writes
 *   may have been pruned already (a file keeps at most max(64, 2 x dirty sectors) pending).
 *
 * The file's size after the crash is its durable size, extended to cover landed bytes
 * (up to the size before the crash). Bytes past the new size are cut off.
 */
export type CrashOutcome = 'landed' | 'lost' | 'torn' | 'reordered' | 'superseded'

interface Decision {
  outcome: CrashOutcome
  /** torn, several sectors: how many of the owned sectors (ascending) land. */
  landed_sectors: number
  /** torn, one sector: absolute file offset where latest bytes stop. */
  cut_offset: number
}

export function crashData(world: World, random: Random, faults: DiskFaults, files: readonly FileNode[], sector_size: number, space: SectorSpace): void {
  const writes: PendingWrite[] = []
  for (const file of files) for (const pending of file.pending) writes.push(pending)
  writes.sort((a, b) => a.op - b.op)

  // Owned sectors per write, ascending: torn outcomes and single-sector cuts need them.
  const owned = new Map<PendingWrite, number[]>()
  for (const file of files) {
    for (const [index, dirty] of file.dirty) {
      let list = owned.get(dirty.owner)
      if (list === undefined) owned.set(dirty.owner, (list = []))
      list.push(index)
    }
  }

  const decisions = new Map<PendingWrite, Decision>()
  let stopped = false
  for (const write of writes) {
    const sectors = owned.get(write)
    const decision: Decision = { outcome: 'landed', landed_sectors: 0, cut_offset: 0 }
    decisions.set(write, decision)
    if (sectors === undefined) {
      decision.outcome = 'superseded'
    } else if (stopped) {
      decision.outcome = roll(world, random, write, 'crash_reorder_write_rate', faults.crash_reorder_write_rate) ? 'reordered' : 'lost'
    } else if (roll(world, random, write, 'crash_lost_write_rate', faults.crash_lost_write_rate)) {
      decision.outcome = 'lost'
      stopped = true
    } else if (roll(world, random, write, 'crash_torn_write_rate', faults.crash_torn_write_rate)) {
      decision.outcome = 'torn'
      stopped = true
      sectors.sort((a, b) => a - b)
      if (sectors.length >= 2) {
        decision.landed_sectors = random.intBetween(1, sectors.length - 1)
      } else {
        const start = (sectors[0] as number) * sector_size
        const from = Math.max(write.offset, start)
        const to = Math.min(write.offset + write.size_bytes, start + sector_size)
        decision.cut_offset = to - from >= 2 ? random.intBetween(from + 1, to - 1) : from
      }
    }
    const fields: Record<string, string | number> = {
      op: write.op,
      ino: write.ino,
      offset: write.offset,
      size: write.size_bytes,
      sectors: sectors?.length ?? 0,
      result: decision.outcome,
    }
    if (decision.outcome === 'torn') {
      if ((sectors?.length ?? 0) >= 2) fields['landed_sectors'] = decision.landed_sectors
      else fields['cut'] = decision.cut_offset
    }
    world.record('disk.crash_write', fields)
  }

  for (const file of files) applyDecisions(file, decisions, owned, sector_size, space)
}

function roll(world: World, random: Random, write: PendingWrite, fault: string, rate: BuggifyRate): boolean {
  if (rate.kind === 'never') return false
  const { roll, fired } = rollRate(rate, random)
  world.record('disk.fault', { op: write.op, fault, rate: formatRate(rate), roll: roll ?? 'none', fired })
  return fired
}

function applyDecisions(file: FileNode, decisions: Map<PendingWrite, Decision>, owned: Map<PendingWrite, number[]>, sector_size: number, space: SectorSpace): void {
  let landed_end = 0
  for (const [index, dirty] of file.dirty) {
    const decision = decisions.get(dirty.owner)
    if (decision === undefined) throw new Error(`crash: write op ${dirty.owner.op} owns a sector but is not pending`)
    const start = index * sector_size
    let keep: 'latest' | 'durable' | 'cut' = 'durable'
    switch (decision.outcome) {
      case 'landed':
      case 'reordered':
        keep = 'latest'
        break
      case 'torn': {
        const sectors = owned.get(dirty.owner) as number[]
        if (sectors.length >= 2) keep = sectors.indexOf(index) < decision.landed_sectors ? 'latest' : 'durable'
        else keep = 'cut'
        break
      }
      case 'lost':
      case 'superseded':
        keep = 'durable'
    }
    const sector = file.sectors.get(index) as Uint8Array
    if (keep === 'latest') {
      landed_end = Math.max(landed_end, start + sector_size)
    } else if (keep === 'cut') {
      const cut_within = decision.cut_offset - start
      if (dirty.durable === null) sector.fill(0, cut_within)
      else sector.set(dirty.durable.subarray(cut_within), cut_within)
      if (cut_within > 0) landed_end = Math.max(landed_end, decision.cut_offset)
    } else if (dirty.durable === null) {
      file.sectors.delete(index)
      space.used_sectors--
    } else {
      file.sectors.set(index, dirty.durable)
    }
  }
  const size_bytes = Math.max(file.durable_size_bytes, Math.min(file.size_bytes, landed_end))
  file.dirty.clear()
  file.pending = []
  if (size_bytes < file.size_bytes) {
    const keep_sectors = Math.ceil(size_bytes / sector_size)
    for (const index of [...file.sectors.keys()]) {
      if (index < keep_sectors) continue
      file.sectors.delete(index)
      space.used_sectors--
    }
    const within = size_bytes % sector_size
    if (within !== 0) file.sectors.get(keep_sectors - 1)?.fill(0, within)
  }
  file.size_bytes = size_bytes
  file.durable_size_bytes = size_bytes
}

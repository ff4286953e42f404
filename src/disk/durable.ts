import { formatRate, rollRate, type BuggifyRate } from '../world/buggify.js'
import type { Random } from '../world/random.js'
import type { World } from '../world/world.js'
import { ROOT_INO, type FileNode, type Inode } from './inode.js'
import type { DirJournal } from './journal.js'
import { durableContent } from './sectors.js'

/**
 * What a crash does to pending directory-entry changes: they are taken in order and each
 * rolls crash_lost_dir_entry_rate; the first that fires rolls back with every later one
 * (the journal is written in order), the earlier ones land. Rolls stop at the first firing.
 */
export function crashNamespace(world: World, random: Random, rate: BuggifyRate, journal: DirJournal): void {
  const pending = journal.pending
  let keep = pending.length
  for (let i = 0; i < pending.length; i++) {
    const entry = pending[i]!
    let result = 'landed'
    if (keep === pending.length) {
      if (rate.kind !== 'never') {
        const { roll, fired } = rollRate(rate, random)
        world.record('disk.fault', { op: entry.op, fault: 'crash_lost_dir_entry_rate', rate: formatRate(rate), roll: roll ?? 'none', fired })
        if (fired) keep = i
      }
    }
    if (i >= keep) result = 'rolled_back'
    const fields: Record<string, string | number> = { op: entry.op, operation: entry.operation, path: entry.path }
    if (entry.to !== null) fields['to'] = entry.to
    fields['result'] = result
    world.recordFields('disk.crash_dir_entry', fields)
  }
  journal.rollBackFrom(keep)
  journal.commitAll()
}

/** The durable namespace, as overrides of the volatile one by the pending journal. */
export interface DurableView {
  entries(dir: Inode): Map<string, number>
  content(file: FileNode, sector_size: number): Uint8Array
  tree(inode: (ino: number) => Inode): string[]
}

export function durableView(journal: DirJournal): DurableView {
  const overrides = journal.durableOverrides()
  const entries = (dir: Inode): Map<string, number> => {
    if (dir.kind !== 'directory') return new Map()
    const names = overrides.get(dir.ino)
    if (names === undefined) return dir.entries
    const result = new Map(dir.entries)
    for (const [name, ino] of names) {
      if (ino === 0) result.delete(name)
      else result.set(name, ino)
    }
    return result
  }
  return {
    entries,
    content: (file, sector_size) => durableContent(file, sector_size),
    tree: (inode) => {
      const paths: string[] = []
      const stack: [string, number][] = [['', ROOT_INO]]
      while (stack.length > 0) {
        const [prefix, ino] = stack.pop()!
        for (const [name, child] of entries(inode(ino))) {
          const path = prefix + '/' + name
          paths.push(path)
          if (inode(child).kind === 'directory') stack.push([path, child])
        }
      }
      return paths.sort()
    },
  }
}

export function walkDurable(view: DurableView, inode: (ino: number) => Inode, parts: readonly string[]): Inode | null {
  let current = inode(ROOT_INO)
  for (const part of parts) {
    if (current.kind !== 'directory') return null
    const next = view.entries(current).get(part)
    if (next === undefined) return null
    current = inode(next)
  }
  return current
}

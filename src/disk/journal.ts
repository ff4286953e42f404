import type { DirNode, Inode } from './inode.js'

/** One entry of one directory changing: `before`/`after` are inos, 0 for "no entry". */
export interface EntryChange {
  readonly dir: DirNode
  readonly name: string
  readonly before: number
  readonly after: number
}

export type DirEntryOperation = 'create' | 'mkdir' | 'unlink' | 'rmdir' | 'rename'

/** A directory-entry operation not yet made durable by an fsync of its directory. */
export interface PendingDirChange {
  readonly op: number
  readonly seq: number
  readonly operation: DirEntryOperation
  readonly path: string
  /** rename: the new path. */
  readonly to: string | null
  readonly changes: readonly EntryChange[]
}

/** Bound on pending directory-entry changes: past it the oldest are committed (the journal fills). */
export const MAX_PENDING_DIR_CHANGES = 1 << 16

/**
 * The directory-entry journal. Changes apply to the volatile namespace at once and are
 * recorded in order; durability is a prefix of that order. `fsync(dir)` commits the prefix
 * up to the latest change touching `dir` (a journal commits everything before it, too).
 * A crash keeps a prefix of the pending changes and undoes the rest, newest first.
 */
export class DirJournal {
  #pending: PendingDirChange[] = []
  /** Sequence number of the next change; `#pending[0].seq` is the oldest pending. */
  #next_seq = 0

  constructor(readonly inode: (ino: number) => Inode) {}

  get size(): number {
    return this.#pending.length
  }

  get pending(): readonly PendingDirChange[] {
    return this.#pending
  }

  /** Applies `changes` to the volatile namespace and records them as pending. */
  apply(op: number, operation: DirEntryOperation, path: string, to: string | null, changes: EntryChange[]): PendingDirChange {
    const seq = this.#next_seq++
    for (const change of changes) {
      this.#set(change.dir, change.name, change.before, change.after)
      change.dir.last_change_seq = seq
      if (change.before !== 0) this.inode(change.before).journal_refs++
      if (change.after !== 0) this.inode(change.after).journal_refs++
    }
    const entry: PendingDirChange = { op, seq, operation, path, to, changes }
    this.#pending.push(entry)
    return entry
  }

  /** Commits every pending change up to and including sequence `seq`; returns the committed ones. */
  commitThrough(seq: number): PendingDirChange[] {
    let count = 0
    while (count < this.#pending.length && (this.#pending[count] as PendingDirChange).seq <= seq) count++
    if (count === 0) return []
    const committed = this.#pending.splice(0, count)
    for (const entry of committed) this.#release(entry)
    return committed
  }

  /** The oldest pending change when the journal is over its bound, so the caller can commit it. */
  overflowSeq(): number | null {
    if (this.#pending.length <= MAX_PENDING_DIR_CHANGES) return null
    return (this.#pending[0] as PendingDirChange).seq
  }

  /** Undoes the pending changes from index `keep` on, newest first; returns them oldest first. */
  rollBackFrom(keep: number): PendingDirChange[] {
    const undone = this.#pending.splice(keep)
    for (let i = undone.length - 1; i >= 0; i--) {
      const entry = undone[i] as PendingDirChange
      for (let j = entry.changes.length - 1; j >= 0; j--) {
        const change = entry.changes[j] as EntryChange
        this.#set(change.dir, change.name, change.after, change.before)
      }
    }
    for (const entry of undone) this.#release(entry)
    return undone
  }

  /** Commits everything (after a crash decided what stays). */
  commitAll(): void {
    for (const entry of this.#pending) this.#release(entry)
    this.#pending = []
  }

  /**
   * What the entry `name` of `dir` is durably, given the volatile value: the `before` of the
   * oldest pending change to it, or the volatile value when none is pending. 0: no entry.
   */
  durableOverrides(): Map<number, Map<string, number>> {
    const overrides = new Map<number, Map<string, number>>()
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const entry = this.#pending[i] as PendingDirChange
      for (let j = entry.changes.length - 1; j >= 0; j--) {
        const change = entry.changes[j] as EntryChange
        let names = overrides.get(change.dir.ino)
        if (names === undefined) {
          names = new Map()
          overrides.set(change.dir.ino, names)
        }
        names.set(change.name, change.before)
      }
    }
    return overrides
  }

  #set(dir: DirNode, name: string, from: number, to: number): void {
    const current = dir.entries.get(name) ?? 0
    if (current !== from) {
      throw new Error(`DirJournal: entry ${name} of directory ${dir.ino} is ${current}, expected ${from}`)
    }
    if (from !== 0 && from !== to) this.inode(from).parent_ino = 0
    if (to === 0) dir.entries.delete(name)
    else {
      dir.entries.set(name, to)
      this.inode(to).parent_ino = dir.ino
    }
  }

  #release(entry: PendingDirChange): void {
    for (const change of entry.changes) {
      if (change.before !== 0) this.inode(change.before).journal_refs--
      if (change.after !== 0) this.inode(change.after).journal_refs--
    }
  }
}

import type { DiskErrorCode } from '../disk_error.js'

/**
 * The reference model of docs/disk.md, written independently of SimDisk: a namespace of
 * paths, whole-file byte arrays (volatile and durable), the owner of every dirty sector,
 * and the list of directory-entry changes since the last crash with the namespace after each.
 * It predicts every operation's result and says which post-crash states are allowed.
 */

export interface ModelEntry {
  readonly kind: 'file' | 'directory'
  readonly id: number
}

export interface ModelFile {
  volatile: Uint8Array
  durable: Uint8Array
  /** Dirty sector index to the sequence number of the write that last touched it. */
  owner: Map<number, number>
}

type Namespace = Map<string, ModelEntry>

export class ModelError extends Error {
  constructor(readonly code: DiskErrorCode) {
    super(code)
  }
}

export function parentOf(path: string): string {
  const at = path.lastIndexOf('/')
  return at === 0 ? '/' : path.slice(0, at)
}

export class DiskModel {
  namespace: Namespace = new Map([['/', { kind: 'directory', id: 1 }]])
  readonly files = new Map<number, ModelFile>()
  /** Namespace after each directory-entry change since the last crash; [0] is the durable base. */
  snapshots: Namespace[] = [new Map(this.namespace)]
  /** How many changes are committed: snapshots[committed] is the durable namespace. */
  committed = 0
  /** Directory id to the number of changes up to its latest one. */
  last_touch = new Map<number, number>()
  next_id = 2
  write_seq = 0

  constructor(readonly sector_size: number) {}

  entry(path: string): ModelEntry {
    const found = this.namespace.get(path)
    if (found !== undefined) return found
    // Walking through a file gives ENOTDIR, a missing component ENOENT.
    let prefix = ''
    for (const part of path.split('/').slice(1, -1)) {
      prefix += '/' + part
      const step = this.namespace.get(prefix)
      if (step === undefined) throw new ModelError('ENOENT')
      if (step.kind === 'file') throw new ModelError('ENOTDIR')
    }
    throw new ModelError('ENOENT')
  }

  #parentDir(path: string): ModelEntry {
    const parent = this.entry(parentOf(path))
    if (parent.kind !== 'directory') throw new ModelError('ENOTDIR')
    return parent
  }

  #change(touched: number[], apply: (names: Namespace) => void): void {
    apply(this.namespace)
    this.snapshots.push(new Map(this.namespace))
    for (const id of touched) this.last_touch.set(id, this.snapshots.length - 1)
  }

  create(path: string, exclusive: boolean): { id: number; created: boolean } {
    const parent = this.#parentDir(path)
    const existing = this.namespace.get(path)
    if (existing !== undefined) {
      if (exclusive) throw new ModelError('EEXIST')
      if (existing.kind === 'directory') throw new ModelError('EISDIR')
      return { id: existing.id, created: false }
    }
    const id = this.next_id++
    this.files.set(id, { volatile: new Uint8Array(0), durable: new Uint8Array(0), owner: new Map() })
    this.#change([parent.id], (names) => names.set(path, { kind: 'file', id }))
    return { id, created: true }
  }

  mkdir(path: string): number {
    const parent = this.#parentDir(path)
    if (this.namespace.has(path)) throw new ModelError('EEXIST')
    const id = this.next_id++
    this.#change([parent.id], (names) => names.set(path, { kind: 'directory', id }))
    return id
  }

  #children(path: string): string[] {
    return [...this.namespace.keys()].filter((name) => name !== path && name.startsWith(path === '/' ? '/' : path + '/'))
  }

  rmdir(path: string): void {
    const parent = this.#parentDir(path)
    const target = this.entry(path)
    if (target.kind !== 'directory') throw new ModelError('ENOTDIR')
    if (this.#children(path).length > 0) throw new ModelError('ENOTEMPTY')
    this.#change([parent.id], (names) => names.delete(path))
  }

  unlink(path: string): void {
    const parent = this.#parentDir(path)
    const target = this.entry(path)
    if (target.kind === 'directory') throw new ModelError('EISDIR')
    this.#change([parent.id], (names) => names.delete(path))
  }

  rename(from: string, to: string): void {
    const source_parent = this.#parentDir(from)
    const target_parent = this.#parentDir(to)
    const moving = this.entry(from)
    const replaced = this.namespace.get(to)
    if (replaced?.id === moving.id) return
    if (moving.kind === 'directory' && (to === from || to.startsWith(from + '/'))) throw new ModelError('EINVAL')
    if (replaced !== undefined) {
      if (moving.kind === 'directory' && replaced.kind !== 'directory') throw new ModelError('ENOTDIR')
      if (moving.kind === 'file' && replaced.kind === 'directory') throw new ModelError('EISDIR')
      if (replaced.kind === 'directory' && this.#children(to).length > 0) throw new ModelError('ENOTEMPTY')
    }
    const moved = [from, ...this.#children(from)]
    this.#change([source_parent.id, target_parent.id], (names) => {
      const entries = moved.map((path) => [path, names.get(path) as ModelEntry] as const)
      for (const [path] of entries) names.delete(path)
      names.delete(to)
      for (const [path, entry] of entries) names.set(to + path.slice(from.length), entry)
    })
  }

  fsyncDir(id: number): void {
    const touch = this.last_touch.get(id)
    if (touch !== undefined && touch > this.committed) this.committed = touch
  }

  file(path: string): { id: number; file: ModelFile } {
    const entry = this.entry(path)
    if (entry.kind !== 'file') throw new ModelError('EISDIR')
    return { id: entry.id, file: this.files.get(entry.id) as ModelFile }
  }

  write(file: ModelFile, offset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return
    const end = offset + bytes.length
    if (end > file.volatile.length) file.volatile = resized(file.volatile, end)
    file.volatile.set(bytes, offset)
    const seq = this.write_seq++
    const ss = this.sector_size
    for (let index = Math.floor(offset / ss); index * ss < end; index++) file.owner.set(index, seq)
  }

  truncate(file: ModelFile, size: number): void {
    file.volatile = resized(file.volatile, size)
    file.durable = resized(file.durable, size)
    const keep = Math.ceil(size / this.sector_size)
    for (const index of [...file.owner.keys()]) if (index >= keep) file.owner.delete(index)
  }

  fsyncFile(file: ModelFile): void {
    file.durable = file.volatile.slice()
    file.owner.clear()
  }
}

export function resized(bytes: Uint8Array, size: number): Uint8Array {
  if (size === bytes.length) return bytes
  const out = new Uint8Array(size)
  out.set(size < bytes.length ? bytes.subarray(0, size) : bytes)
  return out
}

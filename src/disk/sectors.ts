import type { FileNode, PendingWrite } from './inode.js'

/**
 * File content as sparse sectors, with the pending-write bookkeeping crash needs:
 * the first write to a sector after an fsync keeps the sector's durable content
 * (moving the old buffer, so a fresh volatile buffer per newly dirtied sector: a freed
 * one reused, or carved from one allocation per write), later writes to it change only
 * the volatile buffer.
 */

/** Bytes of freed sectors a disk keeps for reuse; past it freed sectors go to the garbage collector. */
export const MAX_FREE_SECTOR_BYTES = 16 * 1024 * 1024

/**
 * Counts allocated sectors across the disk (what capacity limits), and keeps freed sector buffers
 * for reuse: a new ArrayBuffer is zeroed memory V8 counts as external, so allocating one per write
 * cost more than the write itself (allocation, page faults, and the collections it triggers).
 * A recycled buffer holds stale bytes: writeSectors overwrites every byte of it before any read.
 */
export interface SectorSpace {
  used_sectors: number
  /** Buffers no file references any more, each exactly one sector long. */
  readonly free: Uint8Array[]
  /** Bound on `free.length`. */
  readonly free_limit: number
}

export function newSectorSpace(sector_size: number): SectorSpace {
  return { used_sectors: 0, free: [], free_limit: Math.floor(MAX_FREE_SECTOR_BYTES / sector_size) }
}

/** Hands a buffer no file references any more to the free list (the caller drops its own reference). */
export function recycleSector(space: SectorSpace, sector: Uint8Array): void {
  if (space.free.length < space.free_limit) space.free.push(sector)
}

/** A freed file: its volatile sectors and the durable copies of its dirty ones become reusable. */
export function recycleFile(file: FileNode, space: SectorSpace): void {
  for (const sector of file.sectors.values()) recycleSector(space, sector)
  for (const dirty of file.dirty.values()) if (dirty.durable !== null) recycleSector(space, dirty.durable)
}

/** Copies `length` bytes at `offset` into `target`; holes read as zeros. The caller clamps to EOF. */
export function readSectors(file: FileNode, sector_size: number, offset: number, target: Uint8Array, target_offset: number, length: number): void {
  let done = 0
  while (done < length) {
    const position = offset + done
    const index = Math.floor(position / sector_size)
    const within = position - index * sector_size
    const count = Math.min(sector_size - within, length - done)
    const sector = file.sectors.get(index)
    if (sector === undefined) target.fill(0, target_offset + done, target_offset + done + count)
    else if (within === 0 && count === sector_size) target.set(sector, target_offset + done)
    else target.set(sector.subarray(within, within + count), target_offset + done)
    done += count
  }
}

/** Sectors a write of `size_bytes` at `offset` would newly allocate. */
export function newSectorsFor(file: FileNode, sector_size: number, offset: number, size_bytes: number): number {
  if (size_bytes === 0) return 0
  const first = Math.floor(offset / sector_size)
  const last = Math.floor((offset + size_bytes - 1) / sector_size)
  let count = 0
  for (let index = first; index <= last; index++) if (!file.sectors.has(index)) count++
  return count
}

/** Writes `bytes` at `offset` as the pending write `pending`; extends the size. */
export function writeSectors(file: FileNode, sector_size: number, offset: number, bytes: Uint8Array, pending: PendingWrite, space: SectorSpace): void {
  const length = bytes.length
  // The sectors this write newly dirties come from the free list first; the rest share one new
  // backing buffer (one allocation per write instead of one per sector; a slab stays alive while
  // any of its sectors does). A recycled sector holds stale bytes, so what this write does not
  // cover is set below: to the sector's previous content, or zeros (a hole).
  let fresh_count = 0
  if (length > 0) {
    const last = Math.floor((offset + length - 1) / sector_size)
    for (let index = Math.floor(offset / sector_size); index <= last; index++) if (!file.dirty.has(index)) fresh_count++
  }
  const free = space.free
  const slab_count = Math.max(0, fresh_count - free.length)
  const slab = slab_count === 0 ? null : new ArrayBuffer(slab_count * sector_size)
  let slab_next = 0
  let taken = 0
  let done = 0
  while (done < length) {
    const position = offset + done
    const index = Math.floor(position / sector_size)
    const within = position - index * sector_size
    const count = Math.min(sector_size - within, length - done)
    let sector = file.sectors.get(index)
    const dirty = file.dirty.get(index)
    if (dirty === undefined) {
      let fresh: Uint8Array
      let zeroed: boolean
      if (slab_next < slab_count) {
        fresh = new Uint8Array(slab as ArrayBuffer, slab_next * sector_size, sector_size)
        slab_next++
        zeroed = true
      } else {
        const recycled = free.pop()
        if (recycled === undefined || recycled.length !== sector_size) throw new Error(`sector ${index} of inode ${file.ino} is newly dirtied but was not counted`)
        fresh = recycled
        taken++
        zeroed = false
      }
      if (sector === undefined) {
        space.used_sectors++
        if (!zeroed && count !== sector_size) {
          fresh.fill(0, 0, within)
          fresh.fill(0, within + count)
        }
      } else if (count !== sector_size) fresh.set(sector)
      file.dirty.set(index, { durable: sector ?? null, owner: pending })
      pending.sectors_owned++
      file.sectors.set(index, fresh)
      sector = fresh
    } else {
      if (dirty.owner !== pending) {
        dirty.owner.sectors_owned--
        dirty.owner = pending
        pending.sectors_owned++
      }
      if (sector === undefined) throw new Error(`sector ${index} of inode ${file.ino} is dirty but absent`)
    }
    // A plain view, not `bytes.subarray`: on a Buffer that goes through Buffer's species constructor.
    if (count === length) sector.set(bytes, within)
    else sector.set(new Uint8Array(bytes.buffer, bytes.byteOffset + done, count), within)
    done += count
  }
  if (slab_next + taken !== fresh_count) throw new Error(`writeSectors: used ${slab_next + taken} of ${fresh_count} fresh sectors`)
  if (offset + length > file.size_bytes) file.size_bytes = offset + length
}

/**
 * Sets the size, volatile and durable at once: sectors past it are dropped, the tail of the
 * last one zeroed (in its durable copy too). Pending writes stay pending, clipped to the size.
 */
export function truncateSectors(file: FileNode, sector_size: number, size_bytes: number, space: SectorSpace): void {
  const keep_sectors = Math.ceil(size_bytes / sector_size)
  if (size_bytes < file.size_bytes) {
    for (const index of [...file.sectors.keys()]) {
      if (index < keep_sectors) continue
      file.sectors.delete(index)
      space.used_sectors--
      const dirty = file.dirty.get(index)
      if (dirty !== undefined) {
        dirty.owner.sectors_owned--
        file.dirty.delete(index)
      }
    }
    const within = size_bytes % sector_size
    if (within !== 0) {
      const index = keep_sectors - 1
      file.sectors.get(index)?.fill(0, within)
      file.dirty.get(index)?.durable?.fill(0, within)
    }
    for (const pending of file.pending) {
      if (pending.offset >= size_bytes) pending.size_bytes = 0
      else if (pending.offset + pending.size_bytes > size_bytes) pending.size_bytes = size_bytes - pending.offset
    }
  }
  file.size_bytes = size_bytes
  file.durable_size_bytes = size_bytes
  if (file.pending.length > 0) file.pending = file.pending.filter((pending) => pending.sectors_owned > 0)
}

/** fsync of a file: its volatile content and size become durable (the durable copies it kept are recycled). */
export function commitSectors(file: FileNode, space: SectorSpace): number {
  const count = file.pending.length
  if (file.dirty.size > 0) {
    for (const dirty of file.dirty.values()) if (dirty.durable !== null) recycleSector(space, dirty.durable)
    file.dirty.clear()
  }
  if (count > 0) file.pending = []
  file.durable_size_bytes = file.size_bytes
  return count
}

/** The durable content of a file (for DiskControl views). */
export function durableContent(file: FileNode, sector_size: number): Uint8Array {
  const out = new Uint8Array(file.durable_size_bytes)
  for (const [index, sector] of file.sectors) {
    const start = index * sector_size
    if (start >= out.length) continue
    const dirty = file.dirty.get(index)
    const source = dirty === undefined ? sector : dirty.durable
    if (source === null) continue
    out.set(source.subarray(0, Math.min(sector_size, out.length - start)), start)
  }
  return out
}

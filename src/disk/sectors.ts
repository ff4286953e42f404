import type { FileNode, PendingWrite } from './inode.js'

/**
 * File content as sparse sectors, with the pending-write bookkeeping crash needs:
 * the first write to a sector after an fsync keeps the sector's durable content
 * (moving the old buffer, so a fresh volatile buffer per newly dirtied sector, carved
 * from one allocation per write), later writes to it change only the volatile buffer.
 */

/** Counts allocated sectors across the disk (what capacity limits). */
export interface SectorSpace {
  used_sectors: number
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
  // The sectors this write newly dirties share one backing buffer: one allocation per write
  // instead of one per sector (a slab stays alive while any of its sectors does). It is zeroed:
  // what this write does not cover reads as zeros (a hole) or takes the sector's previous content.
  let fresh_count = 0
  if (length > 0) {
    const last = Math.floor((offset + length - 1) / sector_size)
    for (let index = Math.floor(offset / sector_size); index <= last; index++) if (!file.dirty.has(index)) fresh_count++
  }
  const slab = fresh_count === 0 ? null : new ArrayBuffer(fresh_count * sector_size)
  let slab_next = 0
  let done = 0
  while (done < length) {
    const position = offset + done
    const index = Math.floor(position / sector_size)
    const within = position - index * sector_size
    const count = Math.min(sector_size - within, length - done)
    let sector = file.sectors.get(index)
    const dirty = file.dirty.get(index)
    if (dirty === undefined) {
      if (slab === null) throw new Error(`sector ${index} of inode ${file.ino} is newly dirtied but was not counted`)
      const fresh = new Uint8Array(slab, slab_next * sector_size, sector_size)
      slab_next++
      if (sector === undefined) space.used_sectors++
      else if (count !== sector_size) fresh.set(sector)
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
    if (count === length) sector.set(bytes, within)
    else sector.set(bytes.subarray(done, done + count), within)
    done += count
  }
  if (slab_next !== fresh_count) throw new Error(`writeSectors: used ${slab_next} of ${fresh_count} fresh sectors`)
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

/** fsync of a file: its volatile content and size become durable. */
export function commitSectors(file: FileNode): number {
  const count = file.pending.length
  if (file.dirty.size > 0) file.dirty.clear()
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

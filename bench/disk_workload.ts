/**
 * The disk benchmark's workload (bench/disk.ts, docs/performance.md "Disk"): a seeded plan of
 * node:fs/promises calls, the calls themselves written once against the part of the fs/promises
 * API they use, and the checksum of the tree they leave (taken through the API, and predicted from
 * the plan).
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { checkInteger } from './harness.js'

export const POOL_SIZE_BYTES = 1 << 20
export const READ_CHUNK_BYTES = 16 * 1024
const MAX_CHUNKS_PER_FILE = 8
/** Chunk sizes are 2^e-ish for e uniform in [0, MAX_CHUNK_EXPONENT]: 1 B to 64 KiB. */
const MAX_CHUNK_EXPONENT = 16
const MAX_FILE_SIZE_BYTES = MAX_CHUNKS_PER_FILE * (1 << MAX_CHUNK_EXPONENT)
/** Bounds on the shape, so a typo cannot make a run that never ends. */
export const MAX_ROUNDS = 100_000
export const MAX_FILES = 10_000
export const MAX_DIRS = 64
const MAX_LANES = 1_000

const ROOT = '/bench'

/** What one (round, file) does. */
export const enum Action {
  Skip = 0,
  /** Rewrite, read back with readFile. */
  WriteReadFile = 1,
  /** Rewrite, read back through a handle in READ_CHUNK_BYTES reads. */
  WriteReadHandle = 2,
}

export interface Plan {
  readonly rounds: number
  readonly files: number
  readonly dirs: number
  /** Seeded bytes every file's content is a window of. */
  readonly pool: Buffer
  /** Per (round, file), index round * files + file. */
  readonly action: Uint8Array
  readonly unlink: Uint8Array
  /** Where in the pool the content starts, and its size. */
  readonly start_bytes: Uint32Array
  readonly size_bytes: Uint32Array
  /** Chunk sizes of (round, file) i are chunk_sizes[chunk_first[i] .. chunk_first[i + 1]). */
  readonly chunk_first: Uint32Array
  readonly chunk_sizes: Uint32Array
}

export interface PlanShape {
  readonly rounds: number
  readonly files: number
  readonly dirs: number
}


/** Builds the plan from a seeded xoroshiro128+: identical for every runner and build. */
export function makePlan(shape: PlanShape, seed = 0xd15c): Plan {
  const { rounds, files, dirs } = shape
  checkInteger('rounds', rounds, 1, MAX_ROUNDS)
  checkInteger('files', files, 1, MAX_FILES)
  checkInteger('dirs', dirs, 1, Math.min(MAX_DIRS, files))
  const rng = xoroshiro128plus(seed)
  const pool = Buffer.allocUnsafe(POOL_SIZE_BYTES)
  for (let i = 0; i < POOL_SIZE_BYTES; i += 4) pool.writeUInt32LE(uniformInt(rng, 0, 0xffffffff), i)
  const count = rounds * files
  const action = new Uint8Array(count)
  const unlink = new Uint8Array(count)
  const start_bytes = new Uint32Array(count)
  const size_bytes = new Uint32Array(count)
  const chunk_first = new Uint32Array(count + 1)
  const sizes: number[] = []
  for (let i = 0; i < count; i++) {
    chunk_first[i] = sizes.length
    if (uniformInt(rng, 0, 7) === 0) continue // Skip: the file keeps its previous version (or stays absent).
    action[i] = uniformInt(rng, 0, 1) === 0 ? Action.WriteReadFile : Action.WriteReadHandle
    unlink[i] = uniformInt(rng, 0, 7) === 0 ? 1 : 0
    const chunks = uniformInt(rng, 1, MAX_CHUNKS_PER_FILE)
    let size = 0
    for (let c = 0; c < chunks; c++) {
      const exponent = uniformInt(rng, 0, MAX_CHUNK_EXPONENT)
      const chunk = exponent === 0 ? 1 : uniformInt(rng, (1 << (exponent - 1)) + 1, 1 << exponent)
      sizes.push(chunk)
      size += chunk
    }
    if (size > MAX_FILE_SIZE_BYTES) throw new Error(`plan: a file of ${size} bytes exceeds ${MAX_FILE_SIZE_BYTES}`)
    size_bytes[i] = size
    start_bytes[i] = uniformInt(rng, 0, POOL_SIZE_BYTES - size)
  }
  chunk_first[count] = sizes.length
  return { rounds, files, dirs, pool, action, unlink, start_bytes, size_bytes, chunk_first, chunk_sizes: Uint32Array.from(sizes) }
}

// ---- the calls, written once against the fs/promises API -------------------------------------------

/** The part of a FileHandle the workload uses (node:fs/promises and memfs both have it). */
export interface BenchFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>
  sync(): Promise<void>
  close(): Promise<void>
}

/** The part of node:fs/promises the workload uses. */
export interface BenchFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>
  open(path: string, flags: string): Promise<BenchFileHandle>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  readFile(path: string): Promise<Uint8Array>
  readdir(path: string): Promise<string[]>
}

function dirPath(plan: Plan, dir: number): string {
  void plan
  return `${ROOT}/d${dir}`
}

export function finalPath(plan: Plan, file: number): string {
  return `${dirPath(plan, file % plan.dirs)}/f${file}`
}

class ContentMismatch extends Error {
  override name = 'ContentMismatch'
}

/**
 * Runs the plan's calls on `fs`; returns how many fs/promises calls it made. Every read is checked
 * against the pool, so a runner that stored or returned the wrong bytes fails here.
 */
export async function runCalls(fs: BenchFs, plan: Plan, lanes: number): Promise<number> {
  checkInteger('lanes', lanes, 1, Math.min(MAX_LANES, plan.files))
  const { pool, files } = plan
  let calls = 0
  const replace = async (index: number, file: number, read_buffer: Buffer): Promise<void> => {
    const final = finalPath(plan, file)
    const tmp = final + '.tmp'
    const start = plan.start_bytes[index] as number
    const size = plan.size_bytes[index] as number
    const writer = await fs.open(tmp, 'w')
    calls++
    let written = 0
    const chunk_end = plan.chunk_first[index + 1] as number
    for (let c = plan.chunk_first[index] as number; c < chunk_end; c++) {
      const length = plan.chunk_sizes[c] as number
      const { bytesWritten } = await writer.write(pool, start + written, length, null)
      calls++
      if (bytesWritten !== length) throw new Error(`${tmp}: wrote ${bytesWritten} of ${length} bytes`)
      written += length
    }
    await writer.sync()
    await writer.close()
    await fs.rename(tmp, final)
    calls += 3
    if (plan.action[index] === Action.WriteReadFile) {
      const content = await fs.readFile(final)
      calls++
      if (content.length !== size || Buffer.compare(content, pool.subarray(start, start + size)) !== 0) {
        throw new ContentMismatch(`${final}: readFile returned other bytes than were written`)
      }
    } else {
      const reader = await fs.open(final, 'r')
      calls++
      let read = 0
      for (let reads = 0; read < size; reads++) {
        if (reads > size) throw new Error(`${final}: no progress reading`)
        const length = Math.min(READ_CHUNK_BYTES, size - read)
        const { bytesRead } = await reader.read(read_buffer, 0, length, null)
        calls++
        if (bytesRead !== length || Buffer.compare(read_buffer.subarray(0, length), pool.subarray(start + read, start + read + length)) !== 0) {
          throw new ContentMismatch(`${final}: read at ${read} returned other bytes than were written`)
        }
        read += length
      }
      await reader.close()
      calls++
    }
    if (plan.unlink[index] === 1) {
      await fs.unlink(final)
      calls++
    }
  }
  const lane = async (round: number, first: number, read_buffer: Buffer): Promise<void> => {
    for (let file = first; file < files; file += lanes) {
      const index = round * files + file
      if (plan.action[index] !== Action.Skip) await replace(index, file, read_buffer)
    }
  }
  const read_buffers = Array.from({ length: lanes }, () => Buffer.alloc(READ_CHUNK_BYTES))
  for (let dir = 0; dir < plan.dirs; dir++) {
    await fs.mkdir(dirPath(plan, dir), { recursive: true })
    calls++
  }
  for (let round = 0; round < plan.rounds; round++) {
    if (lanes === 1) await lane(round, 0, read_buffers[0] as Buffer)
    else {
      const all: Promise<void>[] = []
      for (let l = 0; l < lanes; l++) all.push(lane(round, l, read_buffers[l] as Buffer))
      await Promise.all(all)
    }
    // The round's new names become durable: fsync each directory.
    for (let dir = 0; dir < plan.dirs; dir++) {
      const handle = await fs.open(dirPath(plan, dir), 'r')
      await handle.sync()
      await handle.close()
      calls += 3
    }
  }
  return calls
}

// ---- the final state -----------------------------------------------------------------------------

const FNV_PRIME = 0x01000193
const FNV_OFFSET = 0x811c9dc5 | 0

function foldBytes(hash: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME)
  return hash
}

function foldEntry(hash: number, name: string, content: Uint8Array): number {
  hash = foldBytes(hash, Buffer.from(name))
  hash = Math.imul(hash ^ content.length, FNV_PRIME)
  return foldBytes(hash, content)
}

/** The checksum of the tree under ROOT as `fs` sees it: sorted names and contents, directory by directory. */
export async function treeChecksum(fs: BenchFs, plan: Plan): Promise<number> {
  let hash = FNV_OFFSET
  for (let dir = 0; dir < plan.dirs; dir++) {
    const names = (await fs.readdir(dirPath(plan, dir))).map(String).sort()
    for (const name of names) hash = foldEntry(hash, `d${dir}/${name}`, await fs.readFile(`${dirPath(plan, dir)}/${name}`))
  }
  return hash >>> 0
}

/** The checksum the plan predicts: each file holds its last rewrite, unless that rewrite was unlinked. */
export function expectedChecksum(plan: Plan): number {
  const names: string[][] = Array.from({ length: plan.dirs }, () => [])
  const last = new Int32Array(plan.files).fill(-1)
  for (let round = 0; round < plan.rounds; round++) {
    for (let file = 0; file < plan.files; file++) {
      const index = round * plan.files + file
      if (plan.action[index] === Action.Skip) continue
      last[file] = plan.unlink[index] === 1 ? -1 : index
    }
  }
  for (let file = 0; file < plan.files; file++) if ((last[file] as number) >= 0) names[file % plan.dirs]?.push(`f${file}`)
  let hash = FNV_OFFSET
  for (let dir = 0; dir < plan.dirs; dir++) {
    for (const name of (names[dir] as string[]).sort()) {
      const index = last[Number(name.slice(1))] as number
      const start = plan.start_bytes[index] as number
      hash = foldEntry(hash, `d${dir}/${name}`, plan.pool.subarray(start, start + (plan.size_bytes[index] as number)))
    }
  }
  return hash >>> 0
}

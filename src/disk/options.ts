import { validateDiskFaults, type DiskFaultOptions } from './faults.js'

export const DEFAULT_SECTOR_SIZE_BYTES = 4096
/** Largest sector size accepted; real devices use 512 or 4096. */
export const MAX_SECTOR_SIZE_BYTES = 1 << 20
/** Largest file size: offsets stay exact integers and sector indices stay small. */
export const MAX_FILE_SIZE_BYTES = 2 ** 40

export interface DiskOptions {
  /** Unit of sparse storage and of crash atomicity (default 4096). */
  sector_size_bytes?: number
  /** Fixed part of every operation's latency (default: the simulation's tick_ns). */
  min_latency_ns?: number
  /** Upper bound of the seeded extra latency, uniform in [0, jitter_ns] (default 0). */
  jitter_ns?: number
  /** Space for file data; a write that needs more sectors fails with ENOSPC (default: unlimited). */
  capacity_bytes?: number
  faults?: DiskFaultOptions
}

export interface ResolvedDiskOptions {
  readonly sector_size_bytes: number
  readonly min_latency_ns: number
  readonly jitter_ns: number
  readonly capacity_bytes: number | null
}

export function resolveDiskOptions(options: DiskOptions & { tick_ns?: number }): ResolvedDiskOptions {
  const sector_size_bytes = options.sector_size_bytes ?? DEFAULT_SECTOR_SIZE_BYTES
  if (!Number.isSafeInteger(sector_size_bytes) || sector_size_bytes < 1 || sector_size_bytes > MAX_SECTOR_SIZE_BYTES) {
    throw new RangeError(`DiskOptions.sector_size_bytes must be an integer from 1 to ${MAX_SECTOR_SIZE_BYTES}, got ${sector_size_bytes}`)
  }
  const min_latency_ns = options.min_latency_ns ?? options.tick_ns ?? 1_000_000
  if (!Number.isSafeInteger(min_latency_ns) || min_latency_ns < 0) {
    throw new RangeError(`DiskOptions.min_latency_ns must be a non-negative integer, got ${min_latency_ns}`)
  }
  const jitter_ns = options.jitter_ns ?? 0
  if (!Number.isSafeInteger(jitter_ns) || jitter_ns < 0 || jitter_ns > 2 ** 32) {
    throw new RangeError(`DiskOptions.jitter_ns must be an integer from 0 to 2^32, got ${jitter_ns}`)
  }
  const capacity_bytes = options.capacity_bytes ?? null
  if (capacity_bytes !== null && (!Number.isSafeInteger(capacity_bytes) || capacity_bytes < 0)) {
    throw new RangeError(`DiskOptions.capacity_bytes must be a non-negative integer, got ${capacity_bytes}`)
  }
  return { sector_size_bytes, min_latency_ns, jitter_ns, capacity_bytes }
}

/** Checks options without building a disk (the Simulation checks at construction, builds on first use). */
export function validateDiskOptions(options: DiskOptions & { tick_ns?: number }): void {
  if (typeof options !== 'object' || options === null) throw new RangeError(`DiskOptions must be an object, got ${String(options)}`)
  resolveDiskOptions(options)
  validateDiskFaults(options.faults)
}

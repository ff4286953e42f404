import type { DiskFaultOptions } from './faults.js'

/**
 * The harness's authority over a SimDisk: faults, crash, restart, scripted corruption and
 * views of durable state for checks. On `sim.control.disk`; never given to application code.
 */
export interface DiskControl {
  /** Replaces the fault profile (fields left out become `never`); traced as `disk.faults`. */
  setFaults(faults: DiskFaultOptions): void
  /** Changes the space limit (null: unlimited); existing data is kept even if it exceeds it. */
  setCapacity(capacity_bytes: number | null): void
  /** Power loss: pending writes and directory-entry changes land or not per the fault profile. */
  crash(): void
  /** Brings a crashed disk back; its content is what the crash left durable. */
  restart(): void
  /** Damages the stored sector holding byte `offset` of the file at `path` until it is rewritten. */
  corruptSector(path: string, offset: number): void
  readonly crashed: boolean
  /** Durable content of the file at `path` in the durable namespace, or null. */
  durableFile(path: string): Uint8Array | null
  /** Durable paths, sorted: `/a`, `/a/b.txt`. Directories included, `/` not. */
  durableTree(): readonly string[]
  /** Content of the file at `path` as reads see it now, or null. */
  volatileFile(path: string): Uint8Array | null
  /** Pending (unsynced) data writes that still own at least one sector. */
  pendingWrites(): number
  /** Pending (unsynced) directory-entry changes. */
  pendingDirEntries(): number
  /** Bytes of allocated sectors (what capacity_bytes limits). */
  usedBytes(): number
}

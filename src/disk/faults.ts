import { formatRate, validateRate, type BuggifyRate } from '../world/buggify.js'

/**
 * Fault rates of a SimDisk, each a BuggifyRate (default `never`). Operation faults roll
 * when the operation is submitted; crash outcomes roll when the crash happens.
 */
export interface DiskFaultOptions {
  /** A read fails with EIO; nothing is returned. */
  read_error_rate?: BuggifyRate
  /** A write fails with EIO; nothing is written. */
  write_error_rate?: BuggifyRate
  /** A read returns one flipped byte; the stored data stays intact. */
  corrupt_read_rate?: BuggifyRate
  /** A write of 2 bytes or more writes only a seeded prefix (at least 1 byte) and says so. */
  short_write_rate?: BuggifyRate
  /** A write lands at another sector of the same file; the caller is told it succeeded. */
  misdirected_write_rate?: BuggifyRate
  /** At a crash, a pending write is lost; with ordered write-back every later pending write is too. */
  crash_lost_write_rate?: BuggifyRate
  /** At a crash, a pending write lands partly (a prefix); every later pending write is lost. */
  crash_torn_write_rate?: BuggifyRate
  /** At a crash, a pending write after a lost or torn one lands anyway (write-back out of order). */
  crash_reorder_write_rate?: BuggifyRate
  /** At a crash, a pending directory-entry change rolls back, with every later one. */
  crash_lost_dir_entry_rate?: BuggifyRate
}

export type DiskFaultName = keyof DiskFaultOptions

export const DISK_FAULT_NAMES: readonly DiskFaultName[] = [
  'read_error_rate',
  'write_error_rate',
  'corrupt_read_rate',
  'short_write_rate',
  'misdirected_write_rate',
  'crash_lost_write_rate',
  'crash_torn_write_rate',
  'crash_reorder_write_rate',
  'crash_lost_dir_entry_rate',
]

export type DiskFaults = { readonly [K in DiskFaultName]-?: BuggifyRate }

const NEVER: BuggifyRate = { kind: 'never' }

/** Checks a fault profile and fills in `never`; throws RangeError naming the bad field. */
export function validateDiskFaults(faults: DiskFaultOptions = {}): DiskFaults {
  if (typeof faults !== 'object' || faults === null) {
    throw new RangeError(`DiskFaultOptions must be an object, got ${String(faults)}`)
  }
  for (const key of Object.keys(faults)) {
    if (!(DISK_FAULT_NAMES as readonly string[]).includes(key)) {
      throw new RangeError(`DiskFaultOptions: unknown field ${JSON.stringify(key)}; the fields are ${DISK_FAULT_NAMES.join(', ')}`)
    }
  }
  const result: Record<string, BuggifyRate> = {}
  for (const name of DISK_FAULT_NAMES) {
    const rate = faults[name]
    if (rate === undefined) {
      result[name] = NEVER
      continue
    }
    try {
      result[name] = validateRate(rate)
    } catch (error) {
      throw new RangeError(`DiskFaultOptions.${name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return result as DiskFaults
}

/** The profile as trace fields (`read_error_rate=percent:5`), listing only rates that are not `never`. */
export function faultFields(faults: DiskFaults): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const name of DISK_FAULT_NAMES) {
    if (faults[name].kind !== 'never') fields[name] = formatRate(faults[name])
  }
  return fields
}

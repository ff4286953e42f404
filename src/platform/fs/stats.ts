import { constants, Stats } from 'node:fs'
import type { DiskStat } from '../../disk/index.js'
import { SIMULATED_OS } from '../builtins/os.js'

/**
 * `fs.Stats` (and `BigIntStats` for `{ bigint: true }`) of a simulated inode.
 * Plain stats are instances of the real `fs.Stats` class, so `instanceof` and
 * `isFile()` behave as ever; big-int stats share the real classes' `isFile`,
 * `isDirectory`, ... methods. Times are the simulated wall clock of the
 * change (from SimDisk); `uid`/`gid` are the simulated user's.
 */

const { S_IFREG, S_IFDIR, S_IFMT } = constants
/** The simulated disk's device number (8:1, a first SCSI disk's first partition). */
export const SIMULATED_DEV = 2049
const NS_PER_MS = 1_000_000n

type StatsConstructor = new (...values: number[]) => Stats
const RealStats = Stats as unknown as StatsConstructor
/** StatsBase.prototype: `isFile`, `isDirectory`, ... over `_checkModeProperty`. */
const STATS_BASE_PROTOTYPE = Object.getPrototypeOf(Stats.prototype) as object

export function fileTypeBits(stat: DiskStat): number {
  return stat.kind === 'directory' ? S_IFDIR : S_IFREG
}

function msOf(ns: bigint): number {
  // Whole milliseconds plus the fraction, as Node computes atimeMs from (sec, nsec).
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6
}

/** The fields both forms share, in Node's order. */
function baseFields(stat: DiskStat, block_size_bytes: number): number[] {
  return [
    SIMULATED_DEV,
    fileTypeBits(stat) | (stat.mode & 0o7777),
    stat.nlink,
    SIMULATED_OS.uid,
    SIMULATED_OS.gid,
    0,
    block_size_bytes,
    stat.ino,
    stat.size_bytes,
    stat.blocks,
  ]
}

/** Node's BigIntStats: every number a bigint, with nanosecond times (`atimeNs`). */
export interface BigIntStatsShape {
  readonly [key: string]: unknown
}

export function BigIntStats(this: Record<string, unknown>, values: readonly bigint[], times_ns: readonly bigint[]): void {
  const names = ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks'] as const
  names.forEach((name, index) => {
    this[name] = values[index]
  })
  const [atime_ns, mtime_ns, ctime_ns, birthtime_ns] = times_ns as [bigint, bigint, bigint, bigint]
  this.atimeMs = atime_ns / NS_PER_MS
  this.mtimeMs = mtime_ns / NS_PER_MS
  this.ctimeMs = ctime_ns / NS_PER_MS
  this.birthtimeMs = birthtime_ns / NS_PER_MS
  this.atimeNs = atime_ns
  this.mtimeNs = mtime_ns
  this.ctimeNs = ctime_ns
  this.birthtimeNs = birthtime_ns
  this.atime = new Date(Number(atime_ns / NS_PER_MS))
  this.mtime = new Date(Number(mtime_ns / NS_PER_MS))
  this.ctime = new Date(Number(ctime_ns / NS_PER_MS))
  this.birthtime = new Date(Number(birthtime_ns / NS_PER_MS))
}
BigIntStats.prototype = Object.create(STATS_BASE_PROTOTYPE, {
  constructor: { value: BigIntStats, writable: true, configurable: true },
  _checkModeProperty: {
    value(this: { mode: bigint }, property: number): boolean {
      return (this.mode & BigInt(S_IFMT)) === BigInt(property)
    },
    writable: true,
    configurable: true,
  },
}) as object

/** The `fs.Stats` (or BigIntStats) Node would return for this inode. */
export function toStats(stat: DiskStat, block_size_bytes: number, bigint: boolean): Stats | BigIntStatsShape {
  const times_ns = [stat.atime_ns, stat.mtime_ns, stat.ctime_ns, stat.birthtime_ns]
  const base = baseFields(stat, block_size_bytes)
  if (bigint) {
    const instance = Object.create(BigIntStats.prototype as object) as Record<string, unknown>
    BigIntStats.call(instance, base.map((value) => BigInt(value)), times_ns)
    return instance
  }
  return new RealStats(...base, ...times_ns.map(msOf))
}

import { BuggifyRate, formatRate, validateRate } from '../world/buggify.js'
import type { Random } from '../world/random.js'
import { describeValue, InvalidNetworkOption } from './errors.js'
import type { NodeId } from './topology.js'

/**
 * How long a packet takes from send to arrival. Drawn once per packet at send
 * time from the `network.latency` stream.
 * - `uniform`: `min_ns + u`, `u` uniform in [0, jitter_ns] (no draw when `jitter_ns` is 0).
 * - `exponential`: `min(max_ns, min_ns + floor(-mean_ns * ln(1 - u)))`, `u` uniform in
 *   [0, 1): mostly near `min_ns`, with a long tail cut at `max_ns`.
 */
export type LatencyModel =
  | { readonly kind: 'uniform'; readonly min_ns: number; readonly jitter_ns: number }
  | { readonly kind: 'exponential'; readonly min_ns: number; readonly mean_ns: number; readonly max_ns: number }

export const Latency = {
  fixed(ns: number): LatencyModel {
    return validateLatency({ kind: 'uniform', min_ns: ns, jitter_ns: 0 }, 'latency')
  },
  uniform(min_ns: number, jitter_ns: number): LatencyModel {
    return validateLatency({ kind: 'uniform', min_ns, jitter_ns }, 'latency')
  },
  exponential(options: { min_ns: number; mean_ns: number; max_ns: number }): LatencyModel {
    return validateLatency({ kind: 'exponential', ...options }, 'latency')
  },
} as const

/** Which nodes an automatic partition cuts off (see docs/network.md). */
export type PartitionMode = 'isolate_single' | 'uniform_size' | 'uniform_partition'
/** `both`: neither side reaches the other; `one_way`: side A's packets to side B are lost, B still reaches A. */
export type PartitionDirection = 'both' | 'one_way'

/**
 * The network's runtime fault settings, every field validated when set. Rates
 * are `BuggifyRate`s. Per-packet faults are drawn at send time; clogs and
 * automatic partitions are rolled only in `control.tick()`.
 */
export interface NetworkFaults {
  /** Per packet, at send: the packet is lost (`network.drop reason=loss`). */
  readonly loss_rate: BuggifyRate
  /** Per packet that was not lost, at send: a second copy is sent with its own latency. */
  readonly duplicate_rate: BuggifyRate
  /** Per packet, at send: its latency. */
  readonly latency: LatencyModel
  /** Per directed path per tick, while the path is not clogged: it clogs. */
  readonly clog_rate: BuggifyRate
  /** A rolled clog lasts at least this long... */
  readonly clog_duration_min_ns: number
  /** ...plus a uniform extra in [0, clog_duration_jitter_ns]. */
  readonly clog_duration_jitter_ns: number
  /** Per tick while the network is whole and has been for `unpartition_stability_min_ns`: a partition starts. */
  readonly partition_rate: BuggifyRate
  /** Per tick while an automatic partition has lasted `partition_stability_min_ns`: it heals. */
  readonly unpartition_rate: BuggifyRate
  /** An automatic partition lasts at least this long (no heal roll before). */
  readonly partition_stability_min_ns: number
  /** After a heal, the network stays whole at least this long (no partition roll before). */
  readonly unpartition_stability_min_ns: number
  readonly partition_mode: PartitionMode
  readonly partition_direction: PartitionDirection
  /** Nodes an automatic partition may put on side A; empty means every declared node. */
  readonly partitionable_nodes: readonly NodeId[]
}

/** Fault settings as given by a caller: any subset, the rest from the defaults (or the current settings). */
export type NetworkFaultOptions = { readonly [K in keyof NetworkFaults]?: NetworkFaults[K] }

export const RATE_FORMS =
  'allowed forms: BuggifyRate.never(), BuggifyRate.always(), BuggifyRate.percent(p) with p an integer 0..100, ' +
  'BuggifyRate.ratio(n, d) with integers 0 <= n <= d, d > 0'

const RATE_FIELDS = ['loss_rate', 'duplicate_rate', 'clog_rate', 'partition_rate', 'unpartition_rate'] as const
const DURATION_FIELDS = [
  'clog_duration_min_ns',
  'clog_duration_jitter_ns',
  'partition_stability_min_ns',
  'unpartition_stability_min_ns',
] as const
const FIELDS: readonly (keyof NetworkFaults)[] = [
  ...RATE_FIELDS,
  ...DURATION_FIELDS,
  'latency',
  'partition_mode',
  'partition_direction',
  'partitionable_nodes',
]
const PARTITION_MODES: readonly PartitionMode[] = ['isolate_single', 'uniform_size', 'uniform_partition']
const PARTITION_DIRECTIONS: readonly PartitionDirection[] = ['both', 'one_way']

/** No faults; packets take `latency_ns` (the simulation's tick by default). */
export function defaultFaults(latency_ns: number): NetworkFaults {
  return {
    loss_rate: BuggifyRate.never(),
    duplicate_rate: BuggifyRate.never(),
    latency: { kind: 'uniform', min_ns: latency_ns, jitter_ns: 0 },
    clog_rate: BuggifyRate.never(),
    clog_duration_min_ns: 10_000_000,
    clog_duration_jitter_ns: 0,
    partition_rate: BuggifyRate.never(),
    unpartition_rate: BuggifyRate.never(),
    partition_stability_min_ns: 100_000_000,
    unpartition_stability_min_ns: 100_000_000,
    partition_mode: 'isolate_single',
    partition_direction: 'both',
    partitionable_nodes: [],
  }
}

export function checkRate(field: string, rate: unknown): BuggifyRate {
  try {
    return validateRate(rate as BuggifyRate)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new InvalidNetworkOption(field, `${reason}; ${RATE_FORMS}`)
  }
}

export function checkDuration(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidNetworkOption(field, `expected a non-negative integer number of nanoseconds, got ${describeValue(value)}`)
  }
  return value
}

export function validateLatency(latency: unknown, field: string): LatencyModel {
  const forms =
    "allowed forms: Latency.fixed(ns), Latency.uniform(min_ns, jitter_ns), Latency.exponential({ min_ns, mean_ns, max_ns }) " +
    "or { kind: 'uniform' | 'exponential', ... } with non-negative integer nanoseconds"
  if (typeof latency !== 'object' || latency === null) {
    throw new InvalidNetworkOption(field, `expected a latency model, got ${describeValue(latency)}; ${forms}`)
  }
  const model = latency as Partial<Record<string, unknown>>
  if (model.kind === 'uniform') {
    const min_ns = checkDuration(`${field}.min_ns`, model.min_ns)
    const jitter_ns = checkDuration(`${field}.jitter_ns`, model.jitter_ns)
    if (!Number.isSafeInteger(min_ns + jitter_ns)) throw new InvalidNetworkOption(field, 'min_ns + jitter_ns is too large')
    return { kind: 'uniform', min_ns, jitter_ns }
  }
  if (model.kind === 'exponential') {
    const min_ns = checkDuration(`${field}.min_ns`, model.min_ns)
    const mean_ns = checkDuration(`${field}.mean_ns`, model.mean_ns)
    const max_ns = checkDuration(`${field}.max_ns`, model.max_ns)
    if (mean_ns === 0) throw new InvalidNetworkOption(`${field}.mean_ns`, 'the mean must be positive; use Latency.fixed for a constant')
    if (max_ns < min_ns) throw new InvalidNetworkOption(`${field}.max_ns`, `max_ns ${max_ns} is below min_ns ${min_ns}`)
    return { kind: 'exponential', min_ns, mean_ns, max_ns }
  }
  throw new InvalidNetworkOption(field, `unknown latency kind ${describeValue(model.kind)}; ${forms}`)
}

/**
 * Validates `options` field by field (unknown fields are rejected, so a typo is
 * not silently a default) and returns `base` with them applied.
 */
export function mergeFaults(base: NetworkFaults, options: NetworkFaultOptions, where = 'faults'): NetworkFaults {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidNetworkOption(where, `expected an object of fault settings, got ${describeValue(options)}`)
  }
  const merged: { -readonly [K in keyof NetworkFaults]: NetworkFaults[K] } = { ...base }
  for (const key of Object.keys(options)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new InvalidNetworkOption(`${where}.${key}`, `unknown field; the fault fields are ${FIELDS.join(', ')}`)
    }
  }
  for (const field of RATE_FIELDS) {
    if (options[field] !== undefined) merged[field] = checkRate(`${where}.${field}`, options[field])
  }
  for (const field of DURATION_FIELDS) {
    if (options[field] !== undefined) merged[field] = checkDuration(`${where}.${field}`, options[field])
  }
  if (options.latency !== undefined) merged.latency = validateLatency(options.latency, `${where}.latency`)
  if (options.partition_mode !== undefined) {
    if (!PARTITION_MODES.includes(options.partition_mode)) {
      throw new InvalidNetworkOption(
        `${where}.partition_mode`,
        `got ${describeValue(options.partition_mode)}; allowed: ${PARTITION_MODES.join(', ')}`,
      )
    }
    merged.partition_mode = options.partition_mode
  }
  if (options.partition_direction !== undefined) {
    if (!PARTITION_DIRECTIONS.includes(options.partition_direction)) {
      throw new InvalidNetworkOption(
        `${where}.partition_direction`,
        `got ${describeValue(options.partition_direction)}; allowed: ${PARTITION_DIRECTIONS.join(', ')}`,
      )
    }
    merged.partition_direction = options.partition_direction
  }
  if (options.partitionable_nodes !== undefined) {
    if (!Array.isArray(options.partitionable_nodes)) {
      throw new InvalidNetworkOption(`${where}.partitionable_nodes`, `expected a list of node ids, got ${describeValue(options.partitionable_nodes)}`)
    }
    // Membership in the topology is checked by the network, which knows it.
    merged.partitionable_nodes = Object.freeze([...options.partitionable_nodes])
  }
  return Object.freeze(merged)
}

export function formatLatency(latency: LatencyModel): string {
  return latency.kind === 'uniform'
    ? `uniform:${latency.min_ns}:${latency.jitter_ns}`
    : `exponential:${latency.min_ns}:${latency.mean_ns}:${latency.max_ns}`
}

/** The settings as trace fields (`network.faults`), so a replay shows them, not only the seed. */
export function faultFields(faults: NetworkFaults): Record<string, string | number> {
  return {
    loss_rate: formatRate(faults.loss_rate),
    duplicate_rate: formatRate(faults.duplicate_rate),
    latency: formatLatency(faults.latency),
    clog_rate: formatRate(faults.clog_rate),
    clog_duration_min_ns: faults.clog_duration_min_ns,
    clog_duration_jitter_ns: faults.clog_duration_jitter_ns,
    partition_rate: formatRate(faults.partition_rate),
    unpartition_rate: formatRate(faults.unpartition_rate),
    partition_stability_min_ns: faults.partition_stability_min_ns,
    unpartition_stability_min_ns: faults.unpartition_stability_min_ns,
    partition_mode: faults.partition_mode,
    partition_direction: faults.partition_direction,
    partitionable_nodes: faults.partitionable_nodes.length === 0 ? 'all' : faults.partitionable_nodes.join(','),
  }
}

/** One packet's latency in nanoseconds. */
export function drawLatency(latency: LatencyModel, random: Random): number {
  if (latency.kind === 'uniform') {
    return latency.jitter_ns === 0 ? latency.min_ns : latency.min_ns + random.intBetween(0, latency.jitter_ns)
  }
  // log1p(-u) is finite for u in [0, 1); V8's log1p is a port of fdlibm, so it is the same on every platform.
  const extra = Math.floor(-latency.mean_ns * Math.log1p(-random.float64()))
  return Math.min(latency.max_ns, latency.min_ns + extra)
}

const MS = 1_000_000

/**
 * Swarm testing: a fault profile drawn per seed, so a sweep covers calm runs,
 * lossy ones, clogged ones and partitioned ones rather than one average mix.
 * Draws from `random` in a fixed order (15 draws); durations assume ticks of
 * about a millisecond. Each fault class is switched on with its own odds.
 */
export function drawSwarmNetworkFaults(random: Random): NetworkFaultOptions {
  const loss_on = random.intLessThan(2) === 0
  const loss_percent = random.intBetween(1, 20)
  const duplicate_on = random.intLessThan(4) === 0
  const duplicate_percent = random.intBetween(1, 10)
  const exponential = random.intLessThan(2) === 0
  const min_ms = random.intBetween(0, 5)
  const spread_ms = random.intBetween(1, 50)
  const clog_on = random.intLessThan(2) === 0
  const clog_per_mille = random.intBetween(1, 50)
  const clog_min_ms = random.intBetween(1, 50)
  const partition_on = random.intLessThan(2) === 0
  const partition_per_mille = random.intBetween(1, 50)
  const unpartition_per_mille = random.intBetween(10, 200)
  const floor_ms = random.intBetween(10, 500)
  const mode = PARTITION_MODES[random.intLessThan(PARTITION_MODES.length)] as PartitionMode
  return {
    loss_rate: loss_on ? BuggifyRate.percent(loss_percent) : BuggifyRate.never(),
    duplicate_rate: duplicate_on ? BuggifyRate.percent(duplicate_percent) : BuggifyRate.never(),
    latency: exponential
      ? { kind: 'exponential', min_ns: min_ms * MS, mean_ns: spread_ms * MS, max_ns: (min_ms + 10 * spread_ms) * MS }
      : { kind: 'uniform', min_ns: min_ms * MS, jitter_ns: spread_ms * MS },
    clog_rate: clog_on ? BuggifyRate.ratio(clog_per_mille, 1000) : BuggifyRate.never(),
    clog_duration_min_ns: clog_min_ms * MS,
    clog_duration_jitter_ns: 2 * clog_min_ms * MS,
    partition_rate: partition_on ? BuggifyRate.ratio(partition_per_mille, 1000) : BuggifyRate.never(),
    unpartition_rate: BuggifyRate.ratio(unpartition_per_mille, 1000),
    partition_stability_min_ns: floor_ms * MS,
    unpartition_stability_min_ns: floor_ms * MS,
    partition_mode: mode,
    partition_direction: 'both',
  }
}

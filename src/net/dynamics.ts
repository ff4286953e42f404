import type { Clock } from '../world/clock.js'
import type { Random } from '../world/random.js'
import type { Trace } from '../world/trace.js'
import type { World } from '../world/world.js'
import { fires, nowNs, type PacketCore } from './core.js'
import type { PartitionDirection, PartitionMode } from './faults.js'
import type { Link } from './packet.js'

/** The automatic partition now in force, as `control.network.autoPartition()` reports it. */
export interface AutoPartition {
  readonly active: boolean
  /** When the network last entered its current state (partitioned or whole), in simulated ns. */
  readonly since_ns: bigint
  readonly mode: PartitionMode | null
  readonly direction: PartitionDirection | null
  readonly side_a: readonly number[]
  readonly side_b: readonly number[]
}

/**
 * Tick-evolved network faults: the only place the network rolls dice outside
 * a send. Run once per `control.tick()`, in a fixed order:
 *   1. clogs whose deadline has passed end (deterministic, no draw);
 *   2. every unclogged directed path (from != to), in (from, to) index order,
 *      rolls `clog_rate` on the `network.clog` stream; a clog that fires lasts
 *      `clog_duration_min_ns` plus a uniform draw in [0, clog_duration_jitter_ns];
 *   3. the automatic partition (stream `network.partition`): while the network is
 *      whole, once it has been whole for `unpartition_stability_min_ns`, roll
 *      `partition_rate`; while partitioned, once the partition has lasted
 *      `partition_stability_min_ns`, roll `unpartition_rate`. Before a floor is
 *      crossed nothing is drawn, so no state change can happen inside a floor.
 */
export class NetworkDynamics {
  readonly #core: PacketCore
  readonly #clock: Clock
  readonly #trace: Trace
  readonly #clog_random: Random
  readonly #partition_random: Random
  #active = false
  #since_ns = 0n
  #mode: PartitionMode | null = null
  #direction: PartitionDirection | null = null
  #side_a: number[] = []
  #side_b: number[] = []

  constructor(core: PacketCore, world: World) {
    this.#core = core
    this.#clock = world.clock
    this.#trace = world.trace
    this.#clog_random = world.random('network.clog')
    this.#partition_random = world.random('network.partition')
  }

  autoPartition(): AutoPartition {
    const ids = this.#core.topology.ids
    return {
      active: this.#active,
      since_ns: this.#since_ns,
      mode: this.#mode,
      direction: this.#direction,
      side_a: this.#side_a.map((i) => ids[i] as number),
      side_b: this.#side_b.map((i) => ids[i] as number),
    }
  }

  tick(): void {
    const now_ns = nowNs(this.#clock)
    this.#expireClogs(now_ns)
    this.#rollClogs(now_ns)
    this.#evolvePartition(now_ns)
  }

  /** A control heal ends the automatic partition too, and restarts the whole-network floor from now. */
  healed(): void {
    this.#active = false
    this.#since_ns = nowNs(this.#clock)
    this.#mode = null
    this.#direction = null
    this.#side_a = []
    this.#side_b = []
  }

  #expireClogs(now_ns: bigint): void {
    const clogged = this.#core.clogged
    if (clogged.size === 0) return
    const expired: Link[] = []
    for (const link of clogged) {
      if (link.clog_until_ns !== null && link.clog_until_ns <= now_ns) expired.push(link)
    }
    for (const link of expired) this.#core.unclog(link, 'expired')
  }

  #rollClogs(now_ns: bigint): void {
    const core = this.#core
    const faults = core.faults
    const rate = faults.clog_rate
    if (rate.kind === 'never') return
    const random = this.#clog_random
    for (const link of core.links) {
      if (link.from_index === link.to_index || link.clogged) continue
      if (!fires(rate, random)) continue
      const jitter_ns = faults.clog_duration_jitter_ns
      const duration_ns = faults.clog_duration_min_ns + (jitter_ns === 0 ? 0 : random.intBetween(0, jitter_ns))
      core.clog(link, now_ns + BigInt(duration_ns), 'auto')
    }
  }

  #evolvePartition(now_ns: bigint): void {
    const core = this.#core
    const faults = core.faults
    const elapsed_ns = now_ns - this.#since_ns
    if (!this.#active) {
      if (faults.partition_rate.kind === 'never') return
      if (elapsed_ns < BigInt(faults.unpartition_stability_min_ns)) return
      if (!fires(faults.partition_rate, this.#partition_random)) return
      const sides = this.#chooseSides(faults.partition_mode)
      if (sides === null) return
      const [a, b] = sides
      const one_way = faults.partition_direction === 'one_way'
      core.setBlocked(a, b, one_way, true, 'auto')
      this.#active = true
      this.#since_ns = now_ns
      this.#mode = faults.partition_mode
      this.#direction = faults.partition_direction
      this.#side_a = a
      this.#side_b = b
      recordPartition(this.#trace, core, 'auto', faults.partition_direction, a, b, faults.partition_mode)
      return
    }
    if (faults.unpartition_rate.kind === 'never') return
    if (elapsed_ns < BigInt(faults.partition_stability_min_ns)) return
    if (!fires(faults.unpartition_rate, this.#partition_random)) return
    core.clearBlocked('auto')
    this.healed()
    this.#trace.record('network.heal', { cause: 'auto' })
  }

  /**
   * Side A is drawn from the partitionable nodes; side B is every other node.
   * Null when no partition is possible (fewer than two nodes).
   */
  #chooseSides(mode: PartitionMode): [number[], number[]] | null {
    const core = this.#core
    const n = core.node_count
    const listed = core.faults.partitionable_nodes
    const candidates = listed.length === 0 ? Array.from({ length: n }, (_, i) => i) : core.topology.indexesOf(listed, 'partitionable_nodes')
    if (n < 2 || candidates.length === 0) return null
    const random = this.#partition_random
    const in_a = new Uint8Array(n)
    if (mode === 'isolate_single') {
      in_a[candidates[random.intLessThan(candidates.length)] as number] = 1
    } else if (mode === 'uniform_size') {
      const size = random.intBetween(1, Math.min(candidates.length, n - 1))
      // A partial Fisher-Yates shuffle: the first `size` candidates after it are side A.
      const pool = candidates.slice()
      for (let i = 0; i < size; i++) {
        const j = i + random.intLessThan(pool.length - i)
        const picked = pool[j] as number
        pool[j] = pool[i] as number
        pool[i] = picked
        in_a[picked] = 1
      }
    } else {
      let count = 0
      for (const index of candidates) {
        if (random.intLessThan(2) === 1) {
          in_a[index] = 1
          count++
        }
      }
      if (count === 0) {
        in_a[candidates[random.intLessThan(candidates.length)] as number] = 1
      } else if (count === n) {
        in_a[candidates[random.intLessThan(candidates.length)] as number] = 0
      }
    }
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < n; i++) (in_a[i] === 1 ? a : b).push(i)
    return [a, b]
  }
}

export function recordPartition(
  trace: Trace,
  core: PacketCore,
  cause: 'auto' | 'control',
  direction: PartitionDirection,
  a: readonly number[],
  b: readonly number[],
  mode?: PartitionMode,
): void {
  const ids = core.topology.ids
  const fields: Record<string, string> = { cause }
  if (mode !== undefined) fields.mode = mode
  fields.direction = direction
  fields.side_a = a.map((i) => ids[i]).join(',')
  fields.side_b = b.map((i) => ids[i]).join(',')
  trace.record('network.partition', fields)
}

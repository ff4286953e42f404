import type { PacketCore, QueuedPacket } from './core.js'
import { nowNs } from './core.js'
import { recordPartition, type AutoPartition, type NetworkDynamics } from './dynamics.js'
import { describeValue, InvalidNetworkOption } from './errors.js'
import {
  checkDuration,
  defaultFaults,
  mergeFaults,
  validateLatency,
  type LatencyModel,
  type NetworkFaultOptions,
  type NetworkFaults,
  type PartitionDirection,
} from './faults.js'
import type { Clock } from '../world/clock.js'
import type { NodeId } from './topology.js'
import type { StreamTransport } from './stream.js'

const LOSSINESS_FIELDS = ['loss_rate', 'duplicate_rate'] as const
const CLOG_FIELDS = ['clog_rate', 'clog_duration_min_ns', 'clog_duration_jitter_ns'] as const
const PARTITION_FIELDS = [
  'partition_rate',
  'unpartition_rate',
  'partition_stability_min_ns',
  'unpartition_stability_min_ns',
  'partition_mode',
  'partition_direction',
  'partitionable_nodes',
] as const

export type Lossiness = Pick<NetworkFaultOptions, (typeof LOSSINESS_FIELDS)[number]>
export type ClogSettings = Pick<NetworkFaultOptions, (typeof CLOG_FIELDS)[number]>
export type PartitionDynamics = Pick<NetworkFaultOptions, (typeof PARTITION_FIELDS)[number]>

export interface PartitionOptions {
  /** `both` (default): the sides cannot reach each other; `one_way`: only packets from the first side to the second are cut. */
  direction?: PartitionDirection
}

/**
 * The harness's authority over the simulated network (`control.network`):
 * fault settings, node and link state, partitions and clogs, and inspection.
 * Application code never holds this; it holds endpoints. Every operation takes
 * effect at once and is recorded in the trace; setters replace only the fields
 * they name (`setFaults` replaces all, unnamed fields back to their defaults).
 */
export class NetworkControl {
  readonly #core: PacketCore
  readonly #dynamics: NetworkDynamics
  readonly #clock: Clock
  readonly #default_latency_ns: number
  readonly #transport: StreamTransport | null

  constructor(core: PacketCore, dynamics: NetworkDynamics, clock: Clock, default_latency_ns: number, transport: StreamTransport | null = null) {
    this.#core = core
    this.#transport = transport
    this.#dynamics = dynamics
    this.#clock = clock
    this.#default_latency_ns = default_latency_ns
  }

  /** The declared node ids. */
  get nodes(): readonly NodeId[] {
    return this.#core.topology.ids
  }

  get faults(): NetworkFaults {
    return this.#core.faults
  }

  /** Replaces every fault setting: fields not given go back to their defaults. */
  setFaults(faults: NetworkFaultOptions): void {
    this.#apply(mergeFaults(defaultFaults(this.#default_latency_ns), faults, 'faults'), 'set_faults')
  }

  setLossiness(lossiness: Lossiness): void {
    this.#applySubset(lossiness, LOSSINESS_FIELDS, 'set_lossiness')
  }

  setLatency(latency: LatencyModel): void {
    this.#apply({ ...this.#core.faults, latency: validateLatency(latency, 'latency') }, 'set_latency')
  }

  setClogs(clogs: ClogSettings): void {
    this.#applySubset(clogs, CLOG_FIELDS, 'set_clogs')
  }

  setPartitionDynamics(dynamics: PartitionDynamics): void {
    this.#applySubset(dynamics, PARTITION_FIELDS, 'set_partition_dynamics')
  }

  // ---- nodes and links ------------------------------------------------------------------------

  /** A down node sends nothing and receives nothing (`reason=node_down`); packets it sent before stay in flight. */
  setNode(node: NodeId, up: boolean): void {
    const index = this.#core.topology.indexOf(node, 'setNode')
    this.#core.setNode(index, checkBoolean('setNode', up))
  }

  isNodeUp(node: NodeId): boolean {
    return this.#core.node_up[this.#core.topology.indexOf(node, 'isNodeUp')] === 1
  }

  /** Takes the directed path `from -> to` down (`reason=link_down`) or back up. */
  setLink(from: NodeId, to: NodeId, up: boolean): void {
    this.#core.setLink(this.#link(from, to, 'setLink'), checkBoolean('setLink', up))
  }

  isLinkUp(from: NodeId, to: NodeId): boolean {
    return this.#link(from, to, 'isLinkUp').up
  }

  // ---- partitions -----------------------------------------------------------------------------

  /** Cuts every path between the two sides (or only `a -> b` with `direction: 'one_way'`); packets in flight on them are dropped on arrival. */
  partition(a: readonly NodeId[], b: readonly NodeId[], options: PartitionOptions = {}): void {
    const [side_a, side_b, direction] = this.#sides(a, b, options, 'partition')
    this.#core.setBlocked(side_a, side_b, direction === 'one_way', true, 'control')
    recordPartition(this.#core.trace, this.#core, 'control', direction, side_a, side_b)
  }

  /** Cuts `node` off from every other node. */
  isolate(node: NodeId, options: PartitionOptions = {}): void {
    const others = this.#core.topology.ids.filter((id) => id !== node)
    this.#core.topology.indexOf(node, 'isolate')
    if (others.length === 0) throw new InvalidNetworkOption('isolate', 'a one-node network has nothing to isolate from')
    this.partition([node], others, options)
  }

  /** Ends every partition, explicit and automatic; the automatic one's whole-network floor restarts now. */
  heal(): void {
    this.#core.clearBlocked('all')
    this.#dynamics.healed()
    this.#core.trace.record('network.heal', { cause: 'control' })
  }

  /** Restores the paths between two sides (one way or both), whichever partition cut them. */
  healLinks(a: readonly NodeId[], b: readonly NodeId[], options: PartitionOptions = {}): void {
    const [side_a, side_b, direction] = this.#sides(a, b, options, 'healLinks')
    this.#core.setBlocked(side_a, side_b, direction === 'one_way', false, 'control')
    this.#core.setBlocked(side_a, side_b, direction === 'one_way', false, 'auto')
    const ids = this.#core.topology.ids
    this.#core.trace.record('network.heal_links', {
      direction,
      side_a: side_a.map((i) => ids[i]).join(','),
      side_b: side_b.map((i) => ids[i]).join(','),
    })
  }

  /** Whether packets from `from` to `to` are cut by a partition (explicit or automatic). */
  isPartitioned(from: NodeId, to: NodeId): boolean {
    return this.#link(from, to, 'isPartitioned').blocked
  }

  autoPartition(): AutoPartition {
    return this.#dynamics.autoPartition()
  }

  // ---- clogs ----------------------------------------------------------------------------------

  /**
   * Clogs the directed path `from -> to` for `duration_ns` (without it, until
   * `unclog`). A clogged path delays packets; it does not lose them.
   */
  clog(from: NodeId, to: NodeId, duration_ns?: number): void {
    const link = this.#link(from, to, 'clog')
    const until_ns = duration_ns === undefined ? null : nowNs(this.#clock) + BigInt(checkDuration('clog duration_ns', duration_ns))
    this.#core.clog(link, until_ns, 'control')
  }

  unclog(from: NodeId, to: NodeId): void {
    this.#core.unclog(this.#link(from, to, 'unclog'), 'control')
  }

  unclogAll(): void {
    for (const link of [...this.#core.clogged]) this.#core.unclog(link, 'control')
  }

  isClogged(from: NodeId, to: NodeId): boolean {
    return this.#link(from, to, 'isClogged').clogged
  }

  // ---- connections (node:net sockets) ----------------------------------------------------------

  /**
   * Resets stream connections at both ends at once, as an RST from a middlebox
   * or a crashed peer would: every connection with an end on `node` (only those
   * whose other end is on `peer`, when given; every connection, with no
   * argument). Sockets fail with ECONNRESET (ECONNREFUSED while connecting;
   * EPIPE on the next write after the peer's FIN). Returns how many connection
   * ends were reset; each is a `net.reset cause=control` trace event.
   */
  resetConnections(node?: NodeId, peer?: NodeId): number {
    const topology = this.#core.topology
    const node_index = node === undefined ? null : topology.indexOf(node, 'resetConnections (node)')
    const peer_index = peer === undefined ? null : topology.indexOf(peer, 'resetConnections (peer)')
    if (node_index === null && peer_index !== null) throw new InvalidNetworkOption('resetConnections', 'a peer needs a node')
    if (this.#transport === null) return 0
    return this.#transport.resetConnections(node_index, peer_index)
  }

  /** Open stream connections with an end on `node` (connections that are closing included). */
  connectionCount(node: NodeId): number {
    const index = this.#core.topology.indexOf(node, 'connectionCount')
    return this.#transport === null ? 0 : this.#transport.connectionCount(index)
  }

  // ---- inspection -----------------------------------------------------------------------------

  /** Packets in flight on `from -> to`, by (deliver_at, packet id). */
  queue(from: NodeId, to: NodeId): QueuedPacket[] {
    return this.#core.queue(this.#link(from, to, 'queue'))
  }

  /** Packets in flight on every path, path by path (from, then to), each path by (deliver_at, packet id). */
  queues(): QueuedPacket[] {
    const all: QueuedPacket[] = []
    for (const link of this.#core.links) if (link.in_flight > 0) all.push(...this.#core.queue(link))
    return all
  }

  /** How many packets have been sent (ids handed out), duplicates included. */
  get packets_sent(): number {
    return this.#core.packets_sent
  }

  // ---- helpers --------------------------------------------------------------------------------

  #link(from: NodeId, to: NodeId, where: string) {
    const topology = this.#core.topology
    return this.#core.link(topology.indexOf(from, `${where} (from)`), topology.indexOf(to, `${where} (to)`))
  }

  #sides(a: readonly NodeId[], b: readonly NodeId[], options: PartitionOptions, where: string): [number[], number[], PartitionDirection] {
    const topology = this.#core.topology
    const side_a = topology.indexesOf(a, `${where} (side a)`)
    const side_b = topology.indexesOf(b, `${where} (side b)`)
    if (side_a.length === 0 || side_b.length === 0) throw new InvalidNetworkOption(where, 'both sides need at least one node')
    for (const i of side_a) {
      if (side_b.includes(i)) throw new InvalidNetworkOption(where, `node ${topology.idAt(i)} is on both sides`)
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidNetworkOption(`${where} options`, `expected { direction }, got ${describeValue(options)}`)
    }
    const direction = options.direction ?? 'both'
    if (direction !== 'both' && direction !== 'one_way') {
      throw new InvalidNetworkOption(`${where} direction`, `got ${describeValue(direction)}; allowed: both, one_way`)
    }
    return [side_a, side_b, direction]
  }

  #applySubset(options: NetworkFaultOptions, fields: readonly string[], cause: string): void {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidNetworkOption(cause, `expected an object with ${fields.join(', ')}, got ${describeValue(options)}`)
    }
    for (const key of Object.keys(options)) {
      if (!fields.includes(key)) throw new InvalidNetworkOption(`${cause}.${key}`, `not one of this setter's fields (${fields.join(', ')})`)
    }
    this.#apply(mergeFaults(this.#core.faults, options, 'faults'), cause)
  }

  #apply(faults: NetworkFaults, cause: string): void {
    this.#core.topology.indexesOf(faults.partitionable_nodes, 'faults.partitionable_nodes')
    this.#core.faults = faults
    this.#core.recordFaults(cause)
  }
}

function checkBoolean(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidNetworkOption(where, `up must be true or false, got ${describeValue(value)}`)
  return value
}

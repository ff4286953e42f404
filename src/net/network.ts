import type { EventLoop } from '../scheduler/loop.js'
import type { World } from '../world/world.js'
import { checkCodec, CodecTransport, type Codec } from './codec.js'
import { PacketCore } from './core.js'
import { NetworkDynamics } from './dynamics.js'
import { describeValue, EndpointInUse, InvalidNetworkOption } from './errors.js'
import { defaultFaults, mergeFaults, type NetworkFaultOptions } from './faults.js'
import { NetworkControl } from './control.js'
import { SimEndpoint, type Endpoint, type EndpointOptions } from './endpoint.js'
import { Topology, type NodeId } from './topology.js'
import { HostTable } from './hosts.js'
import { currentNodeScope, nodeScopeCarrier, runInNodeScope, type NodeScope } from './node_scope.js'
import { StreamTransport } from './stream.js'

/** The simulated network's static shape, fixed at construction (faults can change at run time). */
export interface NetworkOptions {
  /** A node count (ids 0..n-1) or the list of node ids. At most MAX_NODES. */
  nodes: number | readonly NodeId[]
  /** Packets in flight a directed path holds; a send past it is dropped with `reason=queue_full`. Default 256. */
  path_capacity?: number
  /** Default inbox bound of an endpoint. Default 1024. */
  inbox_capacity?: number
  /** Largest message a byte endpoint sends. Default 16 MiB. */
  max_message_bytes?: number
  /** Initial fault settings (default: none, and a fixed latency of one tick). */
  faults?: NetworkFaultOptions
  /** Host names for node:net, node:http and dns.lookup: `{ db: 1 }` makes `db` node 1 (every node is also `node<id>`). */
  hosts?: Readonly<Record<string, NodeId>>
}

export const DEFAULT_PATH_CAPACITY = 256
export const DEFAULT_INBOX_CAPACITY = 1024
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
const MAX_PATH_CAPACITY = 1_048_576
const OPTION_FIELDS = ['nodes', 'path_capacity', 'inbox_capacity', 'max_message_bytes', 'faults', 'hosts']

/** The platform's way to the model behind `sim.network` (node:net, node:http, dns). */
export const NETWORK_MODEL = Symbol('marionette.network_model')

function checkCount(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidNetworkOption(field, `expected an integer from 1 to ${max}, got ${describeValue(value)}`)
  }
  return value
}

/**
 * The application's side of the simulated network: it opens endpoints, and
 * holds no fault or state operation (those are on `control.network`).
 */
export interface SimNetwork {
  readonly nodes: readonly NodeId[]
  /**
   * Runs `fn` on `node`: node:net, node:http and dns calls made by it, by its
   * promise continuations and by the timers and I/O it schedules act as that
   * node's (its address, its ports, its `localhost`). Code outside `onNode`
   * runs on the first declared node. Returns what `fn` returns.
   */
  onNode<T>(node: NodeId, fn: () => T): T
  /** The node the calling code runs on. */
  currentNode(): NodeId
  /** A typed endpoint for `node`: messages are delivered as the same values (no copy). */
  endpoint<M>(node: NodeId, options?: EndpointOptions<M>): Endpoint<M>
  /** A byte endpoint for `node`: `send` copies the bytes, each delivery owns a fresh `Uint8Array`. */
  byteEndpoint(node: NodeId, options?: EndpointOptions<Uint8Array>): Endpoint<Uint8Array>
  /** A typed endpoint for `node` that carries bytes through `codec`. */
  codecEndpoint<M>(node: NodeId, codec: Codec<M>, options?: EndpointOptions<Uint8Array>): Endpoint<M>
}

/**
 * The network model of one simulation: packet core, tick-evolved dynamics, the
 * harness's control and the application's endpoint factory. The Simulation
 * registers `tick` as its network tick hook.
 */
export class NetworkModel {
  readonly core: PacketCore
  readonly dynamics: NetworkDynamics
  readonly control: NetworkControl
  readonly app: SimNetwork
  readonly hosts: HostTable
  readonly transport: StreamTransport
  readonly scopes: readonly NodeScope[]
  readonly #loop: EventLoop
  #scoped = false

  constructor(world: World, loop: EventLoop, options: NetworkOptions, default_latency_ns: number) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidNetworkOption('network', `expected { nodes, ... }, got ${describeValue(options)}`)
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_FIELDS.includes(key)) throw new InvalidNetworkOption(key, `unknown network option; the options are ${OPTION_FIELDS.join(', ')}`)
    }
    const topology = new Topology(options.nodes)
    const path_capacity = checkCount('path_capacity', options.path_capacity, DEFAULT_PATH_CAPACITY, MAX_PATH_CAPACITY)
    const defaults = {
      inbox_capacity: checkCount('inbox_capacity', options.inbox_capacity, DEFAULT_INBOX_CAPACITY, 1_048_576),
      max_message_bytes: checkCount('max_message_bytes', options.max_message_bytes, DEFAULT_MAX_MESSAGE_BYTES, 2 ** 31 - 1),
    }
    const faults = mergeFaults(defaultFaults(default_latency_ns), options.faults ?? {}, 'faults')
    topology.indexesOf(faults.partitionable_nodes, 'faults.partitionable_nodes')
    this.hosts = new HostTable(topology, options.hosts)
    const core = new PacketCore(world, loop, topology, path_capacity, faults)
    this.core = core
    this.#loop = loop
    this.scopes = Object.freeze(topology.ids.map((_, index) => Object.freeze({ owner: this, index })))
    this.transport = new StreamTransport(core, loop, this.scopes)
    this.dynamics = new NetworkDynamics(core, world)
    this.control = new NetworkControl(core, this.dynamics, world.clock, default_latency_ns, this.transport)
    const open = <M>(node: NodeId, options: EndpointOptions<M> | undefined, bytes: boolean): SimEndpoint<M> => {
      const index = topology.indexOf(node, 'endpoint')
      if (core.receiverAt(index) !== null) throw new EndpointInUse(node)
      return new SimEndpoint<M>(core, node, options ?? {}, defaults, bytes)
    }
    this.app = {
      nodes: topology.ids,
      onNode: <T>(node: NodeId, fn: () => T): T => {
        const index = topology.indexOf(node, 'onNode')
        if (typeof fn !== 'function') throw new TypeError(`onNode(${node}, fn): fn must be a function, got ${describeValue(fn)}`)
        return this.runOn(index, fn)
      },
      currentNode: () => topology.idAt(this.currentIndex()),
      endpoint: <M>(node: NodeId, options?: EndpointOptions<M>) => open<M>(node, options, false),
      byteEndpoint: (node, options) => open<Uint8Array>(node, options, true),
      codecEndpoint: <M>(node: NodeId, codec: Codec<M>, options?: EndpointOptions<Uint8Array>) => {
        checkCodec(codec)
        return new CodecTransport<M>(open<Uint8Array>(node, options, true), codec)
      },
    }
    Object.defineProperty(this.app, NETWORK_MODEL, { value: this, enumerable: false })
    world.record('network.start', {
      nodes: topology.ids.join(','),
      path_capacity,
      inbox_capacity: defaults.inbox_capacity,
    })
    core.recordFaults('start')
  }

  /**
   * Makes the loop carry node scopes from here on (installed on first use, so
   * a network that never uses node scopes costs its loop nothing).
   */
  enableScopes(): void {
    if (this.#scoped) return
    this.#scoped = true
    this.#loop.setContextCarrier(nodeScopeCarrier)
  }

  /** Runs `fn` on node `index`. */
  runOn<T>(index: number, fn: () => T): T {
    this.enableScopes()
    return runInNodeScope(this.scopes[index] as NodeScope, fn)
  }

  /** The index of the node the calling code runs on (the first declared node outside any scope of this network). */
  currentIndex(): number {
    const scope = currentNodeScope()
    return scope !== undefined && scope.owner === this ? scope.index : 0
  }

  /** The per-tick fault evolution (registered as the simulation's `network` tick hook). */
  tick(): void {
    this.dynamics.tick()
  }
}

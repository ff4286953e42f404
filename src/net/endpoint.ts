import type { PacketCore, Receiver } from './core.js'
import { describeValue, EndpointClosed, InvalidNetworkOption, UndeclaredPeer } from './errors.js'
import { Fifo } from './fifo.js'
import type { NodeId, Topology } from './topology.js'

/** One delivered message and the node that sent it. */
export interface Received<M> {
  readonly from: NodeId
  readonly message: M
}

export type MessageHandler<M> = (message: M, from: NodeId) => void

/**
 * A node's application-facing view of the network: typed send and receive, and
 * nothing a test harness would do (faults live on `control.network`).
 *
 * - `send` never reports network trouble: a packet that is lost, cut by a
 *   partition or a down node, or meets a full path is dropped silently, with a
 *   `network.drop` trace event. It throws only for caller mistakes (an unknown
 *   node, an undeclared peer, a closed endpoint).
 * - Delivered messages wait in a bounded inbox (`inbox_capacity`); a message that
 *   arrives at a full inbox is dropped (`reason=inbox_full`).
 */
export interface Endpoint<M> {
  readonly node: NodeId
  /** The nodes this endpoint may send to. */
  readonly peers: readonly NodeId[]
  readonly inbox_capacity: number
  /** Messages delivered and not yet received. */
  readonly inbox_size: number
  readonly closed: boolean
  send(to: NodeId, message: M): void
  /** The next message, waiting (in simulated time) until one arrives. Rejects with `EndpointClosed` after close. */
  receive(): Promise<Received<M>>
  /** The next message already in the inbox, or undefined. */
  tryReceive(): Received<M> | undefined
  /**
   * Delivers every message to `handler` as it arrives instead of to the inbox
   * (messages already waiting are handed over at once, in order); null goes back
   * to the inbox. A handler that throws fails the run.
   */
  onMessage(handler: MessageHandler<M> | null): void
  /** Closes the endpoint: waiting receives reject, the inbox is discarded, later packets to the node are dropped (`no_endpoint`). */
  close(): void
}

export interface EndpointOptions<M> {
  /** The nodes this endpoint may send to; default every other declared node. Sending elsewhere throws `UndeclaredPeer`. */
  peers?: readonly NodeId[]
  /** Inbox bound; default the network's `inbox_capacity`. */
  inbox_capacity?: number
  /** A short label of a message for the `network.send` trace event (`msg=`, percent-escaped). */
  describe?: (message: M) => string
}

/** Receives waiting at once on one endpoint: a bound, like every queue here. */
export const MAX_PENDING_RECEIVES = 65_536
/** Largest inbox an endpoint may ask for. */
export const MAX_INBOX_CAPACITY = 1_048_576

interface Waiter<M> {
  resolve(received: Received<M>): void
  reject(error: unknown): void
}

function copyBytes(message: unknown): unknown {
  return new Uint8Array(message as Uint8Array)
}

/**
 * The simulated endpoint, for typed values and for bytes.
 *
 * Typed (`bytes` false): the message value itself is delivered (no copy, no
 * serialisation); treat sent messages as immutable, since the receiver (and a
 * duplicate) sees the very same object.
 *
 * Bytes (`bytes` true): `send` copies the sender's `Uint8Array` before it
 * returns, so the sender may reuse or change its buffer at once; each delivery
 * (a duplicate included) gets a fresh `Uint8Array` that the receiver owns.
 */
export class SimEndpoint<M> implements Endpoint<M>, Receiver {
  readonly node: NodeId
  readonly peers: readonly NodeId[]
  readonly inbox_capacity: number
  readonly #core: PacketCore
  readonly #topology: Topology
  readonly #index: number
  readonly #peer_mask: Uint8Array
  readonly #bytes: boolean
  readonly #max_message_bytes: number
  readonly #describe: ((message: M) => string) | undefined
  readonly #inbox: Fifo<Received<M>>
  readonly #waiters = new Fifo<Waiter<M>>(MAX_PENDING_RECEIVES)
  #handler: MessageHandler<M> | null = null
  #closed = false

  constructor(
    core: PacketCore,
    node: NodeId,
    options: EndpointOptions<M>,
    defaults: { inbox_capacity: number; max_message_bytes: number },
    bytes: boolean,
  ) {
    const topology = core.topology
    this.#core = core
    this.#topology = topology
    this.#index = topology.indexOf(node, 'endpoint')
    this.node = node
    this.#bytes = bytes
    this.#max_message_bytes = defaults.max_message_bytes
    const peers = options.peers === undefined ? topology.ids.filter((id) => id !== node) : options.peers
    const peer_indexes = topology.indexesOf(peers, `endpoint(${node}).peers`)
    this.peers = Object.freeze(peer_indexes.map((i) => topology.idAt(i)))
    this.#peer_mask = new Uint8Array(topology.count)
    for (const i of peer_indexes) this.#peer_mask[i] = 1
    const capacity = options.inbox_capacity ?? defaults.inbox_capacity
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_INBOX_CAPACITY) {
      throw new InvalidNetworkOption(
        'inbox_capacity',
        `expected an integer from 1 to ${MAX_INBOX_CAPACITY}, got ${describeValue(capacity)}`,
      )
    }
    this.inbox_capacity = capacity
    this.#inbox = new Fifo<Received<M>>(capacity)
    if (options.describe !== undefined && typeof options.describe !== 'function') {
      throw new InvalidNetworkOption('describe', `expected a function, got ${describeValue(options.describe)}`)
    }
    this.#describe = options.describe
    core.attach(this.#index, this)
  }

  get inbox_size(): number {
    return this.#inbox.size
  }

  get closed(): boolean {
    return this.#closed
  }

  send(to: NodeId, message: M): void {
    if (this.#closed) throw new EndpointClosed(this.node, 'send')
    const to_index = this.#topology.indexOf(to, `send from node ${this.node}`)
    if (this.#peer_mask[to_index] === 0) throw new UndeclaredPeer(this.node, to, this.peers)
    const label = this.#describe === undefined ? undefined : this.#describe(message)
    if (!this.#bytes) {
      this.#core.send(this.#index, to_index, message, -1, null, label)
      return
    }
    if (!(message instanceof Uint8Array)) {
      throw new TypeError(`a byte endpoint sends Uint8Array (or Buffer) messages, got ${describeValue(message)}`)
    }
    if (message.byteLength > this.#max_message_bytes) {
      throw new RangeError(
        `node ${this.node}: a ${message.byteLength}-byte message is over the network's max_message_bytes of ${this.#max_message_bytes}`,
      )
    }
    const owned = new Uint8Array(message)
    this.#core.send(this.#index, to_index, owned, owned.byteLength, copyBytes, label)
  }

  receive(): Promise<Received<M>> {
    if (this.#closed) return Promise.reject(new EndpointClosed(this.node, 'receive'))
    if (this.#handler !== null) {
      throw new Error(`node ${this.node}: receive() on an endpoint with an onMessage handler would never resolve`)
    }
    const received = this.#inbox.shift()
    if (received !== undefined) return Promise.resolve(received)
    if (this.#waiters.full) {
      throw new RangeError(`node ${this.node}: more than ${MAX_PENDING_RECEIVES} receives are waiting at once`)
    }
    return new Promise<Received<M>>((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  tryReceive(): Received<M> | undefined {
    if (this.#closed) throw new EndpointClosed(this.node, 'tryReceive')
    return this.#inbox.shift()
  }

  onMessage(handler: MessageHandler<M> | null): void {
    if (this.#closed) throw new EndpointClosed(this.node, 'onMessage')
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError(`onMessage takes a function or null, got ${describeValue(handler)}`)
    }
    if (handler !== null && this.#waiters.size > 0) {
      throw new Error(`node ${this.node}: onMessage while ${this.#waiters.size} receive() calls are waiting`)
    }
    this.#handler = handler
    if (handler === null) return
    for (let received = this.#inbox.shift(); received !== undefined; received = this.#inbox.shift()) {
      handler(received.message, received.from)
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handler = null
    this.#core.detach(this.#index, this)
    const discarded = this.#inbox.drain().length
    this.#core.recordClose(this.node, discarded)
    const error = new EndpointClosed(this.node, 'receive')
    for (const waiter of this.#waiters.drain()) waiter.reject(error)
  }

  // ---- Receiver: called by the packet core on delivery ----------------------------------------

  hasRoom(): boolean {
    return this.#handler !== null || this.#waiters.size > 0 || !this.#inbox.full
  }

  accept(from: NodeId, message: unknown): void {
    const handler = this.#handler
    if (handler !== null) {
      handler(message as M, from)
      return
    }
    const received: Received<M> = { from, message: message as M }
    const waiter = this.#waiters.shift()
    if (waiter !== undefined) waiter.resolve(received)
    else this.#inbox.push(received)
  }
}

/**
 * A small production transport for the parity test: `Endpoint<M>`s over real
 * TCP sockets on 127.0.0.1, one listening server a node, messages encoded by a
 * codec and framed as `[from u16][length u32][payload]`. It has the simulated
 * endpoint's contract where it matters to application code: `send` never
 * reports network trouble (a frame for a peer whose connection failed is
 * dropped silently, roadmap item 15j), delivery goes to `onMessage` or to a
 * bounded inbox, `close` rejects waiting receives.
 *
 * Outside a simulation, `node:net` is the real module (inside one, the
 * transform's wrapper would fail closed or simulate it), so this runs only
 * where real sockets are meant: the parity test, not a scenario.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { Codec } from '../../src/net/codec.js'
import type { Endpoint, MessageHandler, Received } from '../../src/net/endpoint.js'
import { EndpointClosed } from '../../src/net/errors.js'
import type { NodeId } from '../../src/net/topology.js'

const HEADER_BYTES = 6
/** Largest frame payload: a bound on what a reader buffers before it gives up on a connection. */
export const MAX_FRAME_BYTES = 1 << 20
const INBOX_CAPACITY = 1024

class LoopbackEndpoint<M> implements Endpoint<M> {
  readonly inbox_capacity = INBOX_CAPACITY
  readonly #inbox: Received<M>[] = []
  readonly #waiters: { resolve(received: Received<M>): void; reject(error: unknown): void }[] = []
  readonly #sockets = new Map<NodeId, Socket>()
  #handler: MessageHandler<M> | null = null
  #closed = false

  constructor(
    readonly node: NodeId,
    readonly peers: readonly NodeId[],
    readonly network: LoopbackNetwork<M>,
  ) {}

  get inbox_size(): number {
    return this.#inbox.length
  }

  get closed(): boolean {
    return this.#closed
  }

  send(to: NodeId, message: M): void {
    if (this.#closed) throw new EndpointClosed(this.node, 'send')
    if (!this.peers.includes(to)) throw new RangeError(`node ${this.node} may send to ${this.peers.join(',')}, not ${to}`)
    const payload = this.network.codec.encode(message)
    const frame = Buffer.alloc(HEADER_BYTES + payload.byteLength)
    frame.writeUInt16LE(this.node, 0)
    frame.writeUInt32LE(payload.byteLength, 2)
    frame.set(payload, HEADER_BYTES)
    let socket = this.#sockets.get(to)
    if (socket === undefined || socket.destroyed) {
      socket = connect(this.network.portOf(to), '127.0.0.1')
      socket.setNoDelay(true)
      // Silent drop: a failed connection loses what was written to it, as a lost packet would.
      socket.on('error', () => socket?.destroy())
      this.#sockets.set(to, socket)
    }
    socket.write(frame)
  }

  receive(): Promise<Received<M>> {
    if (this.#closed) return Promise.reject(new EndpointClosed(this.node, 'receive'))
    const received = this.#inbox.shift()
    if (received !== undefined) return Promise.resolve(received)
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  tryReceive(): Received<M> | undefined {
    if (this.#closed) throw new EndpointClosed(this.node, 'tryReceive')
    return this.#inbox.shift()
  }

  onMessage(handler: MessageHandler<M> | null): void {
    if (this.#closed) throw new EndpointClosed(this.node, 'onMessage')
    this.#handler = handler
    if (handler === null) return
    for (let received = this.#inbox.shift(); received !== undefined; received = this.#inbox.shift()) handler(received.message, received.from)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handler = null
    this.#inbox.length = 0
    for (const socket of this.#sockets.values()) socket.destroy()
    const error = new EndpointClosed(this.node, 'receive')
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
  }

  /** A frame arrived for this node. */
  deliver(from: NodeId, message: M): void {
    if (this.#closed) return
    if (this.#handler !== null) return this.#handler(message, from)
    const waiter = this.#waiters.shift()
    if (waiter !== undefined) return waiter.resolve({ from, message })
    if (this.#inbox.length < INBOX_CAPACITY) this.#inbox.push({ from, message })
  }
}

/** Real sockets for a fixed set of nodes in this process. */
export class LoopbackNetwork<M> {
  readonly #servers = new Map<NodeId, { server: Server; port: number }>()
  readonly #endpoints = new Map<NodeId, LoopbackEndpoint<M>>()
  readonly #accepted = new Set<Socket>()

  private constructor(readonly codec: Codec<M>) {}

  /** Listens on an ephemeral loopback port for each node. */
  static async open<M>(nodes: readonly NodeId[], codec: Codec<M>): Promise<LoopbackNetwork<M>> {
    const network = new LoopbackNetwork<M>(codec)
    for (const node of nodes) {
      const server = createServer((socket) => network.#serve(node, socket))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve())
      })
      const address = server.address()
      if (address === null || typeof address === 'string') throw new Error('a loopback server has no port')
      network.#servers.set(node, { server, port: address.port })
    }
    return network
  }

  portOf(node: NodeId): number {
    const entry = this.#servers.get(node)
    if (entry === undefined) throw new RangeError(`node ${node} is not in this loopback network`)
    return entry.port
  }

  /** The endpoint of `node`; `peers` default to every other node. */
  endpoint(node: NodeId, options: { peers?: readonly NodeId[] } = {}): Endpoint<M> {
    this.portOf(node)
    if (this.#endpoints.get(node)?.closed === false) throw new Error(`node ${node} already has an open endpoint`)
    const peers = options.peers ?? [...this.#servers.keys()].filter((id) => id !== node)
    const endpoint = new LoopbackEndpoint<M>(node, peers, this)
    this.#endpoints.set(node, endpoint)
    return endpoint
  }

  /** Closes every endpoint, connection and server. */
  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
    for (const socket of this.#accepted) socket.destroy()
    await Promise.all([...this.#servers.values()].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))))
  }

  /** Reads frames from one inbound connection to `node`; a malformed frame ends the connection. */
  #serve(node: NodeId, socket: Socket): void {
    this.#accepted.add(socket)
    socket.on('close', () => this.#accepted.delete(socket))
    socket.on('error', () => socket.destroy())
    let buffered: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      while (buffered.length >= HEADER_BYTES) {
        const from = buffered.readUInt16LE(0)
        const length = buffered.readUInt32LE(2)
        if (length > MAX_FRAME_BYTES) return void socket.destroy()
        if (buffered.length < HEADER_BYTES + length) return
        const payload = new Uint8Array(buffered.subarray(HEADER_BYTES, HEADER_BYTES + length))
        buffered = buffered.subarray(HEADER_BYTES + length)
        let message: M
        try {
          message = this.codec.decode(payload)
        } catch {
          return void socket.destroy()
        }
        this.#endpoints.get(node)?.deliver(from, message)
      }
    })
  }
}

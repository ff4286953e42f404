import { describeValue } from './errors.js'
import type { Endpoint, MessageHandler, Received } from './endpoint.js'
import type { NodeId } from './topology.js'

/**
 * A user protocol's wire format. `encode` may return a view of a scratch buffer
 * it reuses: the byte endpoint copies at send. `decode` receives bytes the
 * receiver owns (nothing else holds them), so it may keep views into them.
 */
export interface Codec<M> {
  encode(message: M): Uint8Array
  decode(bytes: Uint8Array): M
}

export function checkCodec(codec: unknown): void {
  const candidate = codec as Partial<Codec<unknown>> | null
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.encode !== 'function' || typeof candidate.decode !== 'function') {
    throw new TypeError(`a codec is an object with encode(message) and decode(bytes) functions, got ${describeValue(codec)}`)
  }
}

/** `decode` threw: the bytes that arrived are not a message of the protocol. */
export class DecodeError extends Error {
  override name = 'DecodeError'
  constructor(
    readonly node: NodeId,
    readonly from: NodeId,
    readonly size_bytes: number,
    cause: unknown,
  ) {
    super(
      `node ${node}: a ${size_bytes}-byte message from node ${from} did not decode: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    )
  }
}

/**
 * Typed messages over a byte endpoint through a codec: protocol adapters see
 * their own `Request`/`Response` values, the network carries (and sizes, and
 * traces) bytes, as a real transport would.
 */
export class CodecTransport<M> implements Endpoint<M> {
  readonly #bytes: Endpoint<Uint8Array>
  readonly #codec: Codec<M>

  constructor(bytes: Endpoint<Uint8Array>, codec: Codec<M>) {
    checkCodec(codec)
    this.#bytes = bytes
    this.#codec = codec
  }

  get node(): NodeId {
    return this.#bytes.node
  }

  get peers(): readonly NodeId[] {
    return this.#bytes.peers
  }

  get inbox_capacity(): number {
    return this.#bytes.inbox_capacity
  }

  get inbox_size(): number {
    return this.#bytes.inbox_size
  }

  get closed(): boolean {
    return this.#bytes.closed
  }

  send(to: NodeId, message: M): void {
    const bytes = this.#codec.encode(message)
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`codec.encode must return a Uint8Array, got ${describeValue(bytes)}`)
    }
    this.#bytes.send(to, bytes)
  }

  /** Rejects with `DecodeError` when the next message does not decode (it is consumed). */
  async receive(): Promise<Received<M>> {
    const { from, message } = await this.#bytes.receive()
    return { from, message: this.#decode(from, message) }
  }

  tryReceive(): Received<M> | undefined {
    const received = this.#bytes.tryReceive()
    if (received === undefined) return undefined
    return { from: received.from, message: this.#decode(received.from, received.message) }
  }

  /** A message that does not decode throws `DecodeError` from the delivery, which fails the run. */
  onMessage(handler: MessageHandler<M> | null): void {
    if (handler === null) {
      this.#bytes.onMessage(null)
      return
    }
    if (typeof handler !== 'function') throw new TypeError(`onMessage takes a function or null, got ${describeValue(handler)}`)
    this.#bytes.onMessage((bytes, from) => handler(this.#decode(from, bytes), from))
  }

  close(): void {
    this.#bytes.close()
  }

  #decode(from: NodeId, bytes: Uint8Array): M {
    try {
      return this.#codec.decode(bytes)
    } catch (error) {
      throw new DecodeError(this.node, from, bytes.byteLength, error)
    }
  }
}

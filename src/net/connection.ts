import type { Operation } from '../scheduler/loop.js'
import type { NodeScope } from './node_scope.js'
import type { StreamTransport } from './stream.js'

/**
 * One end of a stream connection, its constants and the socket-side events:
 * the state the stream transport (stream.ts) keeps per connection. The
 * socket calls its operations (`write`, `end`, `close`, `reset`, `readMore`);
 * the transport owns every state change.
 */

export const MSS_BYTES = 16_384
/** Receive window: bytes delivered to a socket and not yet read, plus bytes in flight to it. */
export const WINDOW_BYTES = 65_536
/** Bytes a connection accepts from its socket before writes wait (the kernel's send buffer). */
export const SEND_BUFFER_BYTES = 65_536
export const RTO_MIN_NS = 200_000_000
export const RTO_SYN_NS = 1_000_000_000
export const RTO_MAX_NS = 120_000_000_000
export const SYN_RETRIES = 6
export const RETRIES = 15
/** An orphan (destroyed socket) waiting for its peer's FIN is dropped after this (Linux's tcp_fin_timeout). */
export const ORPHAN_TIMEOUT_NS = 60_000_000_000
/** A finished connection absorbs late segments this long (Linux's TIME_WAIT); its timer keeps nothing alive. */
export const TIME_WAIT_NS = 60_000_000_000
export const EPHEMERAL_PORT_MIN = 49_152
export const PORT_MAX = 65_535
/** Open connections one node may hold (a bound, like every table here). */
export const MAX_CONNECTIONS_PER_NODE = 16_384

export type StreamErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE'

/** The socket side of a connection: the platform implements it; every call runs on the connection's node. */
export interface StreamEvents {
  connected(): void
  data(bytes: Uint8Array): void
  /** The peer's FIN, in order after its data. */
  end(): void
  /** The connection failed; `syscall` is where Node would report it (connect, read, write). */
  failed(code: StreamErrorCode, syscall: 'connect' | 'read' | 'write'): void
  /** Room in the send buffer again after `write` returned false. */
  writable(): void
  /** Bytes delivered and not yet consumed by the reader (they shrink the window). */
  unread(): number
}

export const enum State {
  SynSent,
  Established,
  /** Both FINs acknowledged: kept a while to absorb late duplicates, so they draw no RST. */
  TimeWait,
  Closed,
}

export interface Piece {
  readonly seq: number
  readonly bytes: Uint8Array
}

/** One end of a connection. */
export class Connection {
  state = State.SynSent
  events: StreamEvents | null = null
  /** The local socket is gone (destroyed): the connection only finishes its FIN. */
  orphan = false
  /** Accepted by a listener (the passive end): its port may be listened on again (SO_REUSEADDR). */
  accepted = false
  // send side
  readonly outbox: Piece[] = []
  outbox_head = 0
  /** Index in outbox of the next piece to send. */
  cursor = 0
  snd_una = 0
  snd_nxt = 0
  write_end = 0
  fin_queued = false
  fin_sent = false
  fin_acked = false
  peer_window = WINDOW_BYTES
  waiting_writer = false
  // receive side
  rcv_nxt = 0
  fin_received = false
  peer_fin_at = -1
  readonly reorder = new Map<number, Uint8Array>()
  advertised_window = WINDOW_BYTES
  /** EPIPE from an RST after the peer's FIN, reported on the next write. */
  pending_error: StreamErrorCode | null = null
  // retransmission
  timer: Operation | null = null
  retries = 0
  rto_ns: number

  constructor(
    readonly transport: StreamTransport,
    readonly scope: NodeScope,
    readonly local_index: number,
    readonly local_port: number,
    readonly remote_index: number,
    readonly remote_port: number,
  ) {
    this.rto_ns = RTO_SYN_NS
  }

  get key(): number {
    return connectionKey(this.local_port, this.remote_index, this.remote_port)
  }

  /** Connecting or established: the socket can still use it. */
  get open(): boolean {
    return this.state === State.SynSent || this.state === State.Established
  }

  get established(): boolean {
    return this.state === State.Established
  }

  /** Bytes queued and not yet acknowledged. */
  get buffered_bytes(): number {
    return this.write_end - this.snd_una
  }

  /** Queues bytes (copied); false when the send buffer is full: wait for `writable()`. */
  write(bytes: Uint8Array): boolean {
    this.transport.write(this, bytes)
    const room = this.buffered_bytes < SEND_BUFFER_BYTES
    if (!room) this.waiting_writer = true
    return room
  }

  /** Queues a FIN after the data. */
  end(): void {
    this.transport.end(this)
  }

  /** The local socket is destroyed: FIN (if not sent yet) and orphan. */
  close(): void {
    this.transport.close(this)
  }

  /** Sends RST and forgets the connection (socket.resetAndDestroy). */
  reset(): void {
    this.transport.abort(this)
  }

  /** The reader consumed data: advertise the window again if it had closed. */
  readMore(): void {
    this.transport.readMore(this)
  }
}

export function connectionKey(local_port: number, remote_index: number, remote_port: number): number {
  return (local_port * 256 + remote_index) * 65_536 + remote_port
}


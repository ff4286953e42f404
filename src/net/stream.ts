import type { EventLoop } from '../scheduler/loop.js'
import type { Trace } from '../world/trace.js'
import {
  Connection,
  connectionKey,
  MAX_CONNECTIONS_PER_NODE,
  MSS_BYTES,
  ORPHAN_TIMEOUT_NS,
  RETRIES,
  RTO_MAX_NS,
  RTO_MIN_NS,
  SEND_BUFFER_BYTES,
  State,
  SYN_RETRIES,
  TIME_WAIT_NS,
  WINDOW_BYTES,
  type Piece,
  type StreamErrorCode,
  type StreamEvents,
} from './connection.js'
import type { PacketCore, StreamReceiver } from './core.js'
import { runInNodeScope, type NodeScope } from './node_scope.js'
import { NodeStack, StreamError, type Listener } from './node_stack.js'
import { STREAM_CHANNEL } from './packet.js'
import { Segment, SegmentKind, segmentLabel } from './segment.js'

export { Connection, type StreamErrorCode, type StreamEvents } from './connection.js'
export { StreamError, type Listener } from './node_stack.js'

/**
 * Reliable ordered byte streams over the lossy packet core: the TCP of the
 * simulated network, under node:net sockets.
 *
 * Every segment is one packet, so loss, latency, jitter, duplication, clogs,
 * partitions and down nodes act on connections exactly as on messages. The
 * model keeps TCP's observable behaviour and leaves out what code cannot see:
 *
 * - Handshake: SYN, SYN-ACK. The server side is established when the SYN
 *   arrives; the client when the SYN-ACK does. A SYN to a port nobody listens on
 *   is answered with RST (ECONNREFUSED).
 * - Data: byte offsets from 0 each way, segments of at most MSS_BYTES,
 *   cumulative ACKs with the receiver's free window, out-of-order segments kept
 *   (up to the window) and duplicates ignored.
 * - Retransmission: one timer a connection. On expiry everything unacknowledged
 *   goes again (go-back-N) and the timeout doubles (RTO_MIN_NS up to RTO_MAX_NS,
 *   Linux's 200 ms and 120 s). SYN_RETRIES (6) unanswered SYNs fail the connect
 *   with ETIMEDOUT; RETRIES (15) unanswered retransmissions fail an established
 *   connection with ETIMEDOUT, about 924.6 s of simulated time as on Linux.
 *   A zero window is probed on the same timer.
 * - Close: FIN after the queued data; a connection is gone when both FINs are
 *   acknowledged; both ends then keep it for TIME_WAIT_NS to absorb late
 *   duplicates. A destroyed socket's connection lives on as an orphan to
 *   deliver its FIN; new data that reaches an orphan is answered with RST.
 * - RST: ECONNREFUSED while connecting, EPIPE after the peer's FIN (Linux's
 *   CLOSE_WAIT rule; reported on the next write), ECONNRESET otherwise.
 *   `control.network.resetConnections` resets connections at both ends at once.
 *
 * Ports (node_stack.ts): a listener owns its port on its node; client
 * connections get ports counted from 49152 (Linux's ephemeral range starts at
 * 32768; the count is deterministic and draws nothing).
 */

/** The network-wide stream transport: one stack per node. */
export class StreamTransport implements StreamReceiver {
  readonly #core: PacketCore
  readonly #loop: EventLoop
  readonly #trace: Trace
  readonly #stacks: NodeStack[]
  readonly #scopes: readonly NodeScope[]

  constructor(core: PacketCore, loop: EventLoop, scopes: readonly NodeScope[]) {
    this.#core = core
    this.#loop = loop
    this.#trace = core.trace
    this.#scopes = scopes
    this.#stacks = scopes.map(() => new NodeStack())
    core.attachStream(this)
  }

  #id(index: number): number {
    return this.#core.topology.idAt(index)
  }

  // ---- listeners and connects -----------------------------------------------------------------

  /** Listens on `port` (0: an ephemeral one) of node `index`; returns the port. Throws StreamError EADDRINUSE. */
  listen(index: number, port: number, loopback_only: boolean, accept: Listener['accept']): number {
    const chosen = (this.#stacks[index] as NodeStack).listen(port, loopback_only, accept)
    this.#trace.record('net.listen', { node: this.#id(index), port: chosen })
    return chosen
  }

  unlisten(index: number, port: number): void {
    const stack = this.#stacks[index] as NodeStack
    if (!stack.listeners.delete(port)) return
    this.#trace.record('net.unlisten', { node: this.#id(index), port })
  }

  /** Opens a connection from node `from` to `to:port`; `events` hear how it goes. */
  connect(from: number, to: number, port: number, events: StreamEvents): Connection {
    const stack = this.#stacks[from] as NodeStack
    if (stack.connections.size >= MAX_CONNECTIONS_PER_NODE) throw new StreamError('EMFILE')
    const local_port = stack.ephemeral()
    const connection = new Connection(this, this.#scopes[from] as NodeScope, from, local_port, to, port)
    connection.events = events
    stack.add(connection)
    this.#trace.record('net.connect', { node: this.#id(from), port: local_port, to: this.#id(to), to_port: port })
    this.#sendControl(connection, SegmentKind.Syn)
    this.#arm(connection)
    return connection
  }

  #remove(connection: Connection): void {
    if (connection.state === State.Closed) return
    connection.state = State.Closed
    if (connection.timer !== null) connection.timer.cancel()
    connection.timer = null
    ;(this.#stacks[connection.local_index] as NodeStack).remove(connection)
  }

  // ---- the socket's operations ----------------------------------------------------------------

  write(connection: Connection, bytes: Uint8Array): void {
    if (!connection.open || connection.fin_queued) return
    for (let offset = 0; offset < bytes.byteLength; offset += MSS_BYTES) {
      const piece = bytes.slice(offset, Math.min(bytes.byteLength, offset + MSS_BYTES))
      connection.outbox.push({ seq: connection.write_end, bytes: piece })
      connection.write_end += piece.byteLength
    }
    if (connection.state === State.Established) this.#pump(connection)
  }

  end(connection: Connection): void {
    if (!connection.open || connection.fin_queued) return
    connection.fin_queued = true
    if (connection.state === State.Established) this.#pump(connection)
  }

  close(connection: Connection): void {
    if (!connection.open) return
    connection.orphan = true
    connection.events = null
    if (connection.state === State.SynSent) {
      // Closing a socket that is still connecting abandons the attempt (Linux sends nothing more).
      this.#trace.record('net.close', this.#fields(connection, 'abandon'))
      this.#remove(connection)
      return
    }
    this.#trace.record('net.close', this.#fields(connection, 'local'))
    this.end(connection)
    this.#maybeDone(connection)
  }

  abort(connection: Connection): void {
    if (!connection.open) return
    if (connection.state === State.Established) this.#sendControl(connection, SegmentKind.Rst)
    this.#trace.record('net.reset', this.#fields(connection, 'local'))
    connection.events = null
    this.#remove(connection)
  }

  readMore(connection: Connection): void {
    if (connection.state !== State.Established) return
    // Re-advertise once a window that had shrunk below a segment has room for one again (receiver-side silly-window avoidance).
    if (connection.advertised_window < MSS_BYTES && this.#window(connection) >= MSS_BYTES) this.#sendAck(connection)
  }

  /** Resets every connection with an end on `node` (and the other on `peer`): both ends fail at once. */
  resetConnections(node: number | null, peer: number | null): number {
    const victims: Connection[] = []
    for (const stack of this.#stacks) {
      for (const connection of stack.connections.values()) {
        const here = connection.local_index
        const there = connection.remote_index
        const matches =
          node === null || (peer === null ? here === node || there === node : (here === node && there === peer) || (here === peer && there === node))
        if (matches && connection.open) victims.push(connection)
      }
    }
    for (const connection of victims) {
      this.#trace.record('net.reset', this.#fields(connection, 'control'))
      this.#fail(connection, this.#resetCode(connection))
    }
    return victims.length
  }

  /** Open connections of node `index` (orphans included, TIME_WAIT not). */
  connectionCount(index: number): number {
    let count = 0
    for (const connection of (this.#stacks[index] as NodeStack).connections.values()) if (connection.open) count++
    return count
  }

  // ---- arrival --------------------------------------------------------------------------------

  deliverSegment(from_index: number, to_index: number, message: unknown): void {
    const segment = message as Segment
    const stack = this.#stacks[to_index] as NodeStack
    const key = connectionKey(segment.dst_port, from_index, segment.src_port)
    const connection = stack.connections.get(key)
    if (connection === undefined) {
      this.#unmatched(from_index, to_index, stack, segment)
      return
    }
    runInNodeScope(connection.scope, () => this.#receive(connection, segment))
  }

  #unmatched(from_index: number, to_index: number, stack: NodeStack, segment: Segment): void {
    if (segment.kind === SegmentKind.Rst) return
    if (segment.kind === SegmentKind.Syn) {
      const listener = stack.listeners.get(segment.dst_port)
      const refused = listener === undefined || (listener.loopback_only && from_index !== to_index) || stack.connections.size >= MAX_CONNECTIONS_PER_NODE
      if (!refused) {
        const connection = new Connection(this, this.#scopes[to_index] as NodeScope, to_index, segment.dst_port, from_index, segment.src_port)
        connection.state = State.Established
        connection.rto_ns = RTO_MIN_NS
        connection.accepted = true
        stack.add(connection)
        this.#trace.record('net.accept', this.#fields(connection))
        // SYN-ACK first: whatever the server writes from its 'connection' handler follows it.
        this.#sendControl(connection, SegmentKind.SynAck)
        const events = runInNodeScope(connection.scope, () => listener.accept(connection))
        if (events === null) this.abort(connection)
        else if (connection.state === State.Established && !connection.orphan) connection.events = events
        return
      }
      this.#trace.record('net.refuse', { node: this.#id(to_index), port: segment.dst_port, from: this.#id(from_index), from_port: segment.src_port })
    }
    // Anything for a connection this node does not have is answered with RST, as a TCP stack does.
    const rst = new Segment(SegmentKind.Rst, segment.dst_port, segment.src_port, 0, 0, 0, null)
    this.#core.send(to_index, from_index, rst, -1, null, segmentLabel(rst), STREAM_CHANNEL)
  }

  #receive(connection: Connection, segment: Segment): void {
    if (connection.state === State.TimeWait) {
      if (segment.kind === SegmentKind.Fin) this.#sendAck(connection) // our last ACK was lost
      else if (segment.kind === SegmentKind.Rst) this.#remove(connection)
      return
    }
    switch (segment.kind) {
      case SegmentKind.Rst:
        this.#trace.record('net.reset', this.#fields(connection, 'peer'))
        this.#fail(connection, this.#resetCode(connection))
        return
      case SegmentKind.Syn:
        // The SYN-ACK was lost and the client asks again.
        if (connection.state === State.Established) this.#sendControl(connection, SegmentKind.SynAck)
        return
      case SegmentKind.SynAck:
        if (connection.state === State.SynSent) {
          connection.state = State.Established
          connection.retries = 0
          connection.rto_ns = RTO_MIN_NS
          this.#disarm(connection)
          this.#trace.record('net.established', this.#fields(connection))
          connection.events?.connected()
          if (connection.state === State.Established) this.#pump(connection)
        } else {
          this.#sendAck(connection)
        }
        return
      default:
        if (connection.state !== State.Established) return
        connection.retries = 0
        this.#acknowledged(connection, segment)
        if (connection.state !== State.Established) return
        if (segment.kind === SegmentKind.Data) this.#data(connection, segment)
        else if (segment.kind === SegmentKind.Fin) this.#fin(connection, segment.seq)
        else if (segment.kind === SegmentKind.Probe) this.#sendAck(connection)
    }
  }

  #acknowledged(connection: Connection, segment: Segment): void {
    connection.peer_window = segment.window
    const ack = segment.ack
    if (ack > connection.snd_una) {
      const data_acked = Math.min(ack, connection.write_end)
      while (connection.outbox_head < connection.outbox.length) {
        const piece = connection.outbox[connection.outbox_head] as Piece
        if (piece.seq + piece.bytes.byteLength > data_acked) break
        connection.outbox[connection.outbox_head] = undefined as unknown as Piece
        connection.outbox_head++
      }
      if (connection.cursor < connection.outbox_head) connection.cursor = connection.outbox_head
      if (connection.outbox_head === connection.outbox.length || (connection.outbox_head > 1024 && connection.outbox_head * 2 > connection.outbox.length)) {
        // Drop the acknowledged prefix (the cursor moves with it) so a long stream keeps a bounded array.
        connection.outbox.splice(0, connection.outbox_head)
        connection.cursor -= connection.outbox_head
        connection.outbox_head = 0
      }
      connection.snd_una = data_acked
      if (connection.snd_nxt < data_acked) connection.snd_nxt = data_acked
      if (connection.fin_sent && ack > connection.write_end) connection.fin_acked = true
      connection.rto_ns = RTO_MIN_NS
      this.#disarm(connection)
      if (connection.waiting_writer && connection.buffered_bytes < SEND_BUFFER_BYTES) {
        connection.waiting_writer = false
        connection.events?.writable()
      }
    }
    if (connection.state !== State.Established) return
    this.#pump(connection)
    this.#maybeDone(connection)
  }

  #data(connection: Connection, segment: Segment): void {
    const bytes = segment.bytes as Uint8Array
    if (connection.orphan && segment.seq + bytes.byteLength > connection.rcv_nxt) {
      // New data for a socket that is gone: the stack answers RST (Linux does this on close with data arriving).
      this.#sendControl(connection, SegmentKind.Rst)
      this.#trace.record('net.reset', this.#fields(connection, 'orphan'))
      this.#remove(connection)
      return
    }
    const window = this.#window(connection)
    if (segment.seq === connection.rcv_nxt && window > 0) {
      this.#take(connection, bytes)
      for (let next = connection.reorder.get(connection.rcv_nxt); next !== undefined; next = connection.reorder.get(connection.rcv_nxt)) {
        connection.reorder.delete(connection.rcv_nxt)
        this.#take(connection, next)
      }
      if (connection.peer_fin_at === connection.rcv_nxt) {
        this.#fin(connection, connection.peer_fin_at)
        return
      }
    } else if (segment.seq > connection.rcv_nxt && segment.seq + bytes.byteLength - connection.rcv_nxt <= window) {
      connection.reorder.set(segment.seq, bytes)
    }
    if (connection.state === State.Established) this.#sendAck(connection)
  }

  #take(connection: Connection, bytes: Uint8Array): void {
    connection.rcv_nxt += bytes.byteLength
    connection.events?.data(bytes)
  }

  #fin(connection: Connection, seq: number): void {
    if (connection.fin_received) {
      this.#sendAck(connection)
      return
    }
    if (seq !== connection.rcv_nxt) {
      if (seq > connection.rcv_nxt) connection.peer_fin_at = seq
      this.#sendAck(connection)
      return
    }
    connection.fin_received = true
    connection.rcv_nxt += 1
    this.#sendAck(connection)
    this.#trace.record('net.fin', this.#fields(connection))
    connection.events?.end()
    this.#maybeDone(connection)
  }

  #maybeDone(connection: Connection): void {
    if (connection.state !== State.Established) return
    if (connection.fin_acked && connection.fin_received) {
      this.#trace.record('net.closed', this.#fields(connection))
      connection.state = State.TimeWait
      connection.events = null
      this.#armAt(connection, TIME_WAIT_NS)
      if (connection.timer !== null) this.#loop.setRefed(connection.timer, false, true)
    } else if (connection.orphan && connection.fin_acked && connection.timer === null) {
      this.#armAt(connection, ORPHAN_TIMEOUT_NS)
    }
  }

  // ---- sending --------------------------------------------------------------------------------

  #pump(connection: Connection): void {
    const outbox = connection.outbox
    while (connection.cursor < outbox.length) {
      const piece = outbox[connection.cursor] as Piece
      const end = piece.seq + piece.bytes.byteLength
      const in_flight = connection.snd_nxt - connection.snd_una
      if (end - connection.snd_una > connection.peer_window && !(in_flight === 0 && connection.peer_window > 0)) break
      const segment = new Segment(SegmentKind.Data, connection.local_port, connection.remote_port, piece.seq, connection.rcv_nxt, this.#advertise(connection), piece.bytes)
      this.#core.send(connection.local_index, connection.remote_index, segment, piece.bytes.byteLength, null, segmentLabel(segment), STREAM_CHANNEL)
      connection.cursor++
      if (end > connection.snd_nxt) connection.snd_nxt = end
    }
    if (connection.fin_queued && !connection.fin_sent && connection.cursor === outbox.length) {
      connection.fin_sent = true
      const fin = new Segment(SegmentKind.Fin, connection.local_port, connection.remote_port, connection.write_end, connection.rcv_nxt, this.#advertise(connection), null)
      this.#core.send(connection.local_index, connection.remote_index, fin, -1, null, segmentLabel(fin), STREAM_CHANNEL)
    }
    if (this.#outstanding(connection) && connection.timer === null) this.#arm(connection)
  }

  #outstanding(connection: Connection): boolean {
    return connection.snd_una < connection.write_end || (connection.fin_sent && !connection.fin_acked) || (connection.fin_queued && !connection.fin_sent)
  }

  #window(connection: Connection): number {
    const events = connection.events
    const unread = events === null ? 0 : events.unread()
    return Math.max(0, WINDOW_BYTES - unread)
  }

  #advertise(connection: Connection): number {
    const window = this.#window(connection)
    connection.advertised_window = window
    return window
  }

  #sendAck(connection: Connection): void {
    this.#sendControl(connection, SegmentKind.Ack)
  }

  #sendControl(connection: Connection, kind: SegmentKind): void {
    const segment = new Segment(kind, connection.local_port, connection.remote_port, connection.snd_nxt, connection.rcv_nxt, this.#advertise(connection), null)
    this.#core.send(connection.local_index, connection.remote_index, segment, -1, null, segmentLabel(segment), STREAM_CHANNEL)
  }

  // ---- retransmission -------------------------------------------------------------------------

  #arm(connection: Connection): void {
    this.#armAt(connection, connection.rto_ns)
  }

  #armAt(connection: Connection, delay_ns: number): void {
    if (connection.timer !== null) connection.timer.cancel()
    connection.timer = runInNodeScope(connection.scope, () => this.#loop.after(delay_ns, 'net.retransmit', () => this.#expired(connection)))
  }

  #disarm(connection: Connection): void {
    if (connection.timer !== null) connection.timer.cancel()
    connection.timer = null
  }

  #expired(connection: Connection): void {
    connection.timer = null
    if (connection.state === State.Closed) return
    if (connection.state === State.TimeWait) {
      this.#remove(connection)
      return
    }
    if (connection.state === State.Established && connection.orphan && connection.fin_acked) {
      this.#trace.record('net.closed', this.#fields(connection, 'orphan_timeout'))
      this.#remove(connection)
      return
    }
    const limit = connection.state === State.SynSent ? SYN_RETRIES : RETRIES
    if (connection.retries >= limit) {
      this.#trace.record('net.timeout', this.#fields(connection))
      this.#fail(connection, 'ETIMEDOUT')
      return
    }
    connection.retries++
    connection.rto_ns = Math.min(connection.rto_ns * 2, RTO_MAX_NS)
    if (connection.state === State.SynSent) {
      this.#sendControl(connection, SegmentKind.Syn)
      this.#arm(connection)
      return
    }
    if (!this.#outstanding(connection)) return
    if (connection.peer_window === 0 && connection.snd_nxt === connection.snd_una && connection.cursor < connection.outbox.length) {
      this.#sendControl(connection, SegmentKind.Probe)
      this.#arm(connection)
      return
    }
    // Go-back-N: everything not acknowledged goes again.
    connection.cursor = connection.outbox_head
    connection.snd_nxt = connection.snd_una
    if (connection.fin_sent && !connection.fin_acked) connection.fin_sent = false
    this.#pump(connection)
    if (connection.timer === null) this.#arm(connection)
  }

  #resetCode(connection: Connection): StreamErrorCode {
    if (connection.state === State.SynSent) return 'ECONNREFUSED'
    if (connection.fin_received && !connection.fin_sent) return 'EPIPE'
    return 'ECONNRESET'
  }

  #fail(connection: Connection, code: StreamErrorCode): void {
    const events = connection.events
    const connecting = connection.state === State.SynSent
    this.#remove(connection)
    if (events === null) return
    if (code === 'EPIPE') {
      // Linux reports an RST after the peer's FIN as EPIPE, on the next write.
      connection.pending_error = code
      return
    }
    runInNodeScope(connection.scope, () => events.failed(code, connecting ? 'connect' : 'read'))
  }

  #fields(connection: Connection, cause?: string): Record<string, string | number> {
    const fields: Record<string, string | number> = {
      node: this.#id(connection.local_index),
      port: connection.local_port,
      peer: this.#id(connection.remote_index),
      peer_port: connection.remote_port,
    }
    if (cause !== undefined) fields.cause = cause
    return fields
  }
}

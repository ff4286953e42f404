import type { EventLoop } from '../scheduler/loop.js'
import type { BuggifyRate } from '../world/buggify.js'
import type { Clock } from '../world/clock.js'
import type { Random } from '../world/random.js'
import { escapeTraceText, type Trace } from '../world/trace.js'
import type { World } from '../world/world.js'
import { drawLatency, faultFields, type NetworkFaults } from './faults.js'
import { ClogRelease, ENDPOINT_CHANNEL, Link, Packet, STREAM_CHANNEL, type PacketSink } from './packet.js'
import type { NodeId, Topology } from './topology.js'

/** Why a packet did not arrive: the `reason` of `network.drop`. */
export type DropReason = 'node_down' | 'link_down' | 'partition' | 'queue_full' | 'loss' | 'no_endpoint' | 'inbox_full'

/** The node side of delivery: an open endpoint. */
export interface Receiver {
  /** False when its bounded inbox is full (the packet is dropped with `inbox_full`). */
  hasRoom(): boolean
  accept(from: NodeId, message: unknown): void
}

/** The stream transport's side of delivery: every node has one (a host's TCP stack always answers). */
export interface StreamReceiver {
  deliverSegment(from_index: number, to_index: number, segment: unknown): void
}

/** A packet still in flight on a path, as `control.network.queue(from, to)` lists it. */
export interface QueuedPacket {
  readonly packet: number
  readonly from: NodeId
  readonly to: NodeId
  /** When it is (or, if held behind a clog, was) due to arrive. */
  readonly deliver_at_ns: bigint
  /** Parked behind a clog. */
  readonly held: boolean
  /** Payload bytes for byte endpoints, -1 for typed messages. */
  readonly size_bytes: number
}

/** Simulated now in ns, without counting as a clock read (the busy-wait budget is for user code). */
export function nowNs(clock: Clock): bigint {
  return BigInt(clock.ms) * 1_000_000n + BigInt(clock.sub_ns)
}

/** `rollRate` without its result object: this runs once per packet. */
export function fires(rate: BuggifyRate, random: Random): boolean {
  switch (rate.kind) {
    case 'never':
      return false
    case 'always':
      return true
    case 'percent':
      return random.intLessThan(100) < rate.percent
    case 'ratio':
      return random.intLessThan(rate.denominator) < rate.numerator
  }
}

/**
 * The packet core: declared topology, one link per directed path, send-time
 * decisions (state filters, capacity, loss, latency, duplication) and delivery
 * through the simulated event loop. It validates nothing the caller could get
 * wrong: the endpoint and control facades check ids and options first.
 */
export class PacketCore implements PacketSink {
  readonly node_count: number
  readonly links: readonly Link[]
  /** 1 while a node is up. */
  readonly node_up: Uint8Array
  /** Links currently clogged, in the order they clogged (iteration order is part of determinism). */
  readonly clogged = new Set<Link>()
  faults: NetworkFaults
  readonly #receivers: (Receiver | null)[]
  readonly #loop: EventLoop
  readonly #clock: Clock
  readonly trace: Trace
  readonly #loss: Random
  readonly #duplicate: Random
  readonly #latency: Random
  readonly #release = (link: Link): void => this.unclog(link, 'expired')
  #stream: StreamReceiver | null = null
  #next_packet_id = 0

  constructor(
    world: World,
    loop: EventLoop,
    readonly topology: Topology,
    readonly path_capacity: number,
    faults: NetworkFaults,
  ) {
    this.#loop = loop
    this.#clock = world.clock
    this.trace = world.trace
    this.#loss = world.random('network.loss')
    this.#duplicate = world.random('network.duplicate')
    this.#latency = world.random('network.latency')
    this.faults = faults
    const n = topology.count
    this.node_count = n
    this.node_up = new Uint8Array(n).fill(1)
    this.#receivers = new Array<Receiver | null>(n).fill(null)
    const links: Link[] = []
    for (let from = 0; from < n; from++) {
      for (let to = 0; to < n; to++) links.push(new Link(from, to, topology.idAt(from), topology.idAt(to)))
    }
    this.links = links
  }

  link(from_index: number, to_index: number): Link {
    return this.links[from_index * this.node_count + to_index] as Link
  }

  get packets_sent(): number {
    return this.#next_packet_id
  }

  // ---- endpoints ------------------------------------------------------------------------------

  receiverAt(index: number): Receiver | null {
    return this.#receivers[index] as Receiver | null
  }

  attach(index: number, receiver: Receiver): void {
    if (this.#receivers[index] !== null) throw new Error('network: a node has one receiver at a time')
    this.#receivers[index] = receiver
  }

  detach(index: number, receiver: Receiver): void {
    if (this.#receivers[index] === receiver) this.#receivers[index] = null
  }

  /** Attaches the stream transport (once): packets sent on STREAM_CHANNEL go to it. */
  attachStream(receiver: StreamReceiver): void {
    if (this.#stream !== null) throw new Error('network: the stream transport is attached already')
    this.#stream = receiver
  }

  // ---- send and arrival -----------------------------------------------------------------------

  /**
   * Sends one message: records `network.send`, then either drops it at once
   * (a down node or link, a partition, a full path, a loss roll) or queues it
   * for arrival after a drawn latency. `copy` makes a duplicate's own payload
   * (byte endpoints copy, so each delivery owns its bytes).
   */
  send(
    from_index: number,
    to_index: number,
    message: unknown,
    size_bytes: number,
    copy: ((message: unknown) => unknown) | null,
    label: string | undefined,
    channel: number = ENDPOINT_CHANNEL,
  ): void {
    const link = this.link(from_index, to_index)
    const faults = this.faults
    const id = this.#next_packet_id++
    let reason: DropReason | null = null
    if (this.node_up[from_index] === 0 || this.node_up[to_index] === 0) reason = 'node_down'
    else if (!link.up) reason = 'link_down'
    else if (link.blocked_control || link.blocked_auto) reason = 'partition'
    else if (link.in_flight >= this.path_capacity) reason = 'queue_full'
    else if (faults.loss_rate.kind !== 'never' && fires(faults.loss_rate, this.#loss)) reason = 'loss'
    if (reason !== null) {
      this.#recordSend(link, id, -1, size_bytes, label)
      this.#recordDrop(link, id, reason)
      return
    }
    const latency_ns = drawLatency(faults.latency, this.#latency)
    this.#recordSend(link, id, latency_ns, size_bytes, label)
    this.#enqueue(new Packet(this, id, link, message, size_bytes, channel), latency_ns)
    if (faults.duplicate_rate.kind === 'never' || !fires(faults.duplicate_rate, this.#duplicate)) return
    const copy_id = this.#next_packet_id++
    if (link.in_flight >= this.path_capacity) {
      this.trace.record('network.duplicate', { from: link.from, to: link.to, packet: id, copy: copy_id })
      this.#recordDrop(link, copy_id, 'queue_full')
      return
    }
    const copy_latency_ns = drawLatency(faults.latency, this.#latency)
    this.trace.record('network.duplicate', { from: link.from, to: link.to, packet: id, copy: copy_id, latency_ns: copy_latency_ns })
    const payload = copy === null ? message : copy(message)
    this.#enqueue(new Packet(this, copy_id, link, payload, size_bytes, channel), copy_latency_ns)
  }

  #enqueue(packet: Packet, latency_ns: number): void {
    packet.link.enqueue(packet)
    this.#loop.scheduleAfter(packet, latency_ns)
  }

  /** A packet's arrival time has come: the path's state decides whether it is delivered, dropped or held. */
  arrive(packet: Packet): void {
    const link = packet.link
    if (packet.held) throw new Error(`network: packet ${packet.id} fired while held behind a clog`)
    let reason: DropReason | null = null
    if (this.node_up[link.to_index] === 0) reason = 'node_down'
    else if (!link.up) reason = 'link_down'
    else if (link.blocked_control || link.blocked_auto) reason = 'partition'
    else if (link.clogged) {
      const until_ns = link.clog_until_ns
      if (until_ns === null || until_ns > nowNs(this.#clock)) {
        this.#hold(link, packet)
        return
      }
      // The clog's deadline passed (lazy expiry). Packets held before this one go first.
      if (link.held.length > 0) {
        this.#hold(link, packet)
        this.unclog(link, 'expired')
        return
      }
      this.unclog(link, 'expired')
    }
    link.dequeue(packet)
    if (reason !== null) {
      this.#recordDrop(link, packet.id, reason)
      return
    }
    if (packet.channel === STREAM_CHANNEL) {
      this.trace.record('network.deliver', { from: link.from, to: link.to, packet: packet.id })
      ;(this.#stream as StreamReceiver).deliverSegment(link.from_index, link.to_index, packet.message)
      return
    }
    const receiver = this.#receivers[link.to_index] as Receiver | null
    if (receiver === null) {
      this.#recordDrop(link, packet.id, 'no_endpoint')
    } else if (!receiver.hasRoom()) {
      this.#recordDrop(link, packet.id, 'inbox_full')
    } else {
      this.trace.record('network.deliver', { from: link.from, to: link.to, packet: packet.id })
      receiver.accept(link.from, packet.message)
    }
  }

  #hold(link: Link, packet: Packet): void {
    packet.held = true
    link.held.push(packet)
    if (link.clog_until_ns !== null) this.#armRelease(link, link.clog_until_ns)
  }

  #armRelease(link: Link, until_ns: bigint): void {
    link.release ??= new ClogRelease(link, this.#release)
    const now = nowNs(this.#clock)
    this.#loop.scheduleAt(link.release, until_ns > now ? until_ns : now)
  }

  // ---- path state -----------------------------------------------------------------------------

  /** Clogs a path until `until_ns` (null: until `unclog`). A clogged path holds packets; it does not lose them. */
  clog(link: Link, until_ns: bigint | null, cause: 'control' | 'auto'): void {
    link.clogged = true
    link.clog_until_ns = until_ns
    this.clogged.delete(link)
    this.clogged.add(link)
    if (link.release !== null) this.#loop.unschedule(link.release)
    if (until_ns !== null && link.held.length > 0) this.#armRelease(link, until_ns)
    this.trace.record('network.clog', { from: link.from, to: link.to, until_ns: until_ns ?? 'none', cause })
  }

  /** Ends a clog; packets it held arrive now, in the order they were held. */
  unclog(link: Link, cause: 'control' | 'expired'): void {
    if (!link.clogged) return
    link.clogged = false
    link.clog_until_ns = null
    this.clogged.delete(link)
    if (link.release !== null) this.#loop.unschedule(link.release)
    const held = link.held
    link.held = []
    this.trace.record('network.unclog', { from: link.from, to: link.to, cause, released: held.length, now_ns: this.#clock.nowNsText() })
    for (const packet of held) {
      if (packet.heap_index !== -1) throw new Error(`network: held packet ${packet.id} is also queued in the loop`)
      packet.held = false
      this.#loop.scheduleAfter(packet, 0)
    }
  }

  setNode(index: number, up: boolean): void {
    this.node_up[index] = up ? 1 : 0
    this.trace.record('network.node', { node: this.topology.idAt(index), up })
  }

  setLink(link: Link, up: boolean): void {
    link.up = up
    this.trace.record('network.link', { from: link.from, to: link.to, up })
  }

  /** Cuts (or restores) the paths from each node of `a` to each node of `b`, and back unless one-way. */
  setBlocked(a: readonly number[], b: readonly number[], one_way: boolean, blocked: boolean, which: 'control' | 'auto'): void {
    for (const i of a) {
      for (const j of b) {
        this.#block(this.link(i, j), blocked, which)
        if (!one_way) this.#block(this.link(j, i), blocked, which)
      }
    }
  }

  #block(link: Link, blocked: boolean, which: 'control' | 'auto'): void {
    if (which === 'control') link.blocked_control = blocked
    else link.blocked_auto = blocked
  }

  clearBlocked(which: 'control' | 'auto' | 'all'): void {
    for (const link of this.links) {
      if (which !== 'auto') link.blocked_control = false
      if (which !== 'control') link.blocked_auto = false
    }
  }

  recordClose(node: NodeId, discarded: number): void {
    this.trace.record('network.close', { node, discarded })
  }

  recordFaults(cause: string): void {
    this.trace.record('network.faults', { cause, ...faultFields(this.faults) })
  }

  /** The path's packets in flight, by (deliver_at, packet id). */
  queue(link: Link): QueuedPacket[] {
    const packets: QueuedPacket[] = []
    for (let packet = link.head; packet !== null; packet = packet.next) {
      packets.push({
        packet: packet.id,
        from: link.from,
        to: link.to,
        deliver_at_ns: BigInt(packet.due_ms) * 1_000_000n + BigInt(packet.due_sub_ns),
        held: packet.held,
        size_bytes: packet.size_bytes,
      })
    }
    return packets.sort((x, y) => (x.deliver_at_ns < y.deliver_at_ns ? -1 : x.deliver_at_ns > y.deliver_at_ns ? 1 : x.packet - y.packet))
  }

  // ---- trace ----------------------------------------------------------------------------------

  #recordSend(link: Link, id: number, latency_ns: number, size_bytes: number, label: string | undefined): void {
    if (size_bytes < 0 && label === undefined) {
      if (latency_ns < 0) this.trace.record('network.send', { from: link.from, to: link.to, packet: id })
      else this.trace.record('network.send', { from: link.from, to: link.to, packet: id, latency_ns })
      return
    }
    const fields: Record<string, string | number> = { from: link.from, to: link.to, packet: id }
    if (latency_ns >= 0) fields.latency_ns = latency_ns
    if (size_bytes >= 0) fields.size_bytes = size_bytes
    if (label !== undefined) fields.msg = escapeTraceText(label)
    this.trace.record('network.send', fields)
  }

  #recordDrop(link: Link, id: number, reason: DropReason): void {
    this.trace.record('network.drop', { from: link.from, to: link.to, packet: id, reason })
  }
}

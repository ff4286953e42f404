import { Task } from '../scheduler/task.js'
import type { NodeId } from './topology.js'

/** A packet for a node's endpoint. */
export const ENDPOINT_CHANNEL = 0
/** A segment of a stream connection (node:net sockets), for the stream transport. */
export const STREAM_CHANNEL = 1

/** What the packet core calls when a packet's arrival time comes. */
export interface PacketSink {
  arrive(packet: Packet): void
}

/**
 * One message in flight on one directed path. The packet is itself the loop
 * task that delivers it (no Operation or closure per message): the loop orders
 * it among timers by (arrival time, sequence), and sequence numbers are given
 * at send in packet-id order, so packets of a path arrive by (deliver_at, packet_id).
 */
export class Packet extends Task {
  /** Neighbours in the path's in-flight list (send order), null at the ends. */
  prev: Packet | null = null
  next: Packet | null = null
  /** Parked on a clogged path, waiting for the clog to end. */
  held = false

  constructor(
    readonly sink: PacketSink,
    readonly id: number,
    readonly link: Link,
    readonly message: unknown,
    /** Payload size for byte endpoints; -1 for typed messages, whose size is not modelled. */
    readonly size_bytes: number,
    /** Who receives it: the node's endpoint (ENDPOINT_CHANNEL) or the stream transport (STREAM_CHANNEL). */
    readonly channel: number = ENDPOINT_CHANNEL,
  ) {
    super()
  }

  fire(): void {
    this.sink.arrive(this)
  }

  describe(): string {
    return `network.deliver(${this.link.from}->${this.link.to} packet=${this.id})`
  }
}

/** Ends a timed clog at its deadline when packets are parked behind it. */
export class ClogRelease extends Task {
  constructor(
    readonly link: Link,
    readonly release: (link: Link) => void,
  ) {
    super()
  }

  fire(): void {
    this.release(this.link)
  }

  describe(): string {
    return `network.unclog(${this.link.from}->${this.link.to})`
  }
}

/**
 * One directed path `from -> to` and its state. Every path of the topology has
 * one, allocated up front (nodes² of them, bounded by MAX_NODES).
 */
export class Link {
  /** `setLink(from, to, false)` took it down. */
  up = true
  /** Cut by an explicit `partition(...)`. */
  blocked_control = false
  /** Cut by the automatic partition. */
  blocked_auto = false
  clogged = false
  /** End of the clog in simulated ns, or null for a clog that lasts until `unclog`. */
  clog_until_ns: bigint | null = null
  /** Packets sent and neither delivered nor dropped yet (held ones included): bounded by path capacity. */
  in_flight = 0
  head: Packet | null = null
  tail: Packet | null = null
  /** Packets that arrived while the path was clogged, in arrival order. */
  held: Packet[] = []
  release: ClogRelease | null = null

  constructor(
    readonly from_index: number,
    readonly to_index: number,
    readonly from: NodeId,
    readonly to: NodeId,
  ) {}

  get blocked(): boolean {
    return this.blocked_control || this.blocked_auto
  }

  /** Appends a newly sent packet to the in-flight list. */
  enqueue(packet: Packet): void {
    packet.prev = this.tail
    if (this.tail === null) this.head = packet
    else this.tail.next = packet
    this.tail = packet
    this.in_flight++
  }

  /** Removes a delivered or dropped packet from the in-flight list. */
  dequeue(packet: Packet): void {
    if (packet.prev === null) this.head = packet.next
    else packet.prev.next = packet.next
    if (packet.next === null) this.tail = packet.prev
    else packet.next.prev = packet.prev
    packet.prev = null
    packet.next = null
    this.in_flight--
    if (this.in_flight < 0) throw new Error(`network: path ${this.from}->${this.to} in-flight count went negative`)
  }
}

/**
 * Durable broadcast (the seeds' first disk + network example): a service that
 * writes an operation to its local log, syncs it, then broadcasts it to three
 * replicas and waits for a quorum of acknowledgements. A quorum-acknowledged
 * operation must survive a crash of the service's disk.
 *
 * `order: 'broadcast_before_sync'` is the deliberate bug: the service writes
 * the log, broadcasts, and leaves the sync to the next write (a group commit
 * that never comes in time). The replicas acknowledge an operation that a
 * crash can still take from the disk.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import type { Op, OpLog } from './op_log.js'
import type { BroadcastMessage } from './replica.js'

export type SyncOrder = 'sync_before_broadcast' | 'broadcast_before_sync'

export const QUORUM = 2
/** Attempts of one broadcast at most. */
export const MAX_RETRY_LIMIT = 64

export interface ServiceOptions {
  readonly replicas: readonly NodeId[]
  readonly attempt_timeout_ms: number
  readonly order: SyncOrder
}

export class DurableBroadcast {
  #log: OpLog
  /** The operation known durable: synced by this service, or recovered from the log. */
  durable_op: Op | null = null
  /** The last operation a quorum acknowledged. */
  last_quorum_op: Op | null = null
  #on_ack: ((from: NodeId, message: BroadcastMessage) => void) | null = null

  constructor(
    log: OpLog,
    readonly endpoint: Endpoint<BroadcastMessage>,
    readonly recorder: Recorder,
    readonly options: ServiceOptions,
  ) {
    this.#log = log
    endpoint.onMessage((message, from) => {
      if (message.kind === 'ack') this.#on_ack?.(from, message)
    })
  }

  async submit(op: Op, retry_limit: number): Promise<void> {
    await this.#log.write(op)
    const sync = this.options.order === 'sync_before_broadcast'
    if (sync) {
      await this.#log.sync()
      this.durable_op = op
    }
    this.recorder.record('durable.append', { op: op.id, value: op.value, sync: sync ? 'sync' : 'no_sync' })
    await this.broadcast(op, retry_limit)
  }

  /** After a restart: reads the log again (the disk's durable state is all that is left). */
  async recover(log: OpLog): Promise<void> {
    this.#log = log
    this.durable_op = await log.read()
  }

  /** Broadcasts the recovered operation again, if there is one. */
  async broadcastRecovered(retry_limit: number): Promise<void> {
    if (this.durable_op === null) {
      this.recorder.record('durable.broadcast.skip', { reason: 'no_recovered_op' })
      return
    }
    await this.broadcast(this.durable_op, retry_limit)
  }

  async broadcast(op: Op, retry_limit: number): Promise<void> {
    if (!Number.isInteger(retry_limit) || retry_limit < 1 || retry_limit > MAX_RETRY_LIMIT) {
      throw new RangeError(`retry_limit must be an integer from 1 to ${MAX_RETRY_LIMIT}, got ${retry_limit}`)
    }
    const acked = new Set<NodeId>()
    this.recorder.record('durable.broadcast.start', { op: op.id, value: op.value, retry_limit })
    for (let attempt = 0; attempt < retry_limit && acked.size < QUORUM; attempt++) {
      this.recorder.record('durable.broadcast.attempt', { index: attempt })
      const targets = this.options.replicas.filter((replica) => !acked.has(replica))
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer)
          this.#on_ack = null
          resolve()
        }
        const timer = setTimeout(finish, this.options.attempt_timeout_ms)
        this.#on_ack = (from, message) => {
          if (message.op !== op.id || message.value !== op.value || acked.has(from)) return
          acked.add(from)
          this.recorder.record('durable.ack', { replica: from, op: op.id, value: op.value })
          if (targets.every((target) => acked.has(target))) finish()
        }
        for (const to of targets) {
          this.endpoint.send(to, { kind: 'replicate', op: op.id, value: op.value })
          this.recorder.record('durable.message', { kind: 'replicate', from: this.endpoint.node, to, op: op.id, value: op.value })
        }
      })
    }
    if (acked.size >= QUORUM) {
      this.last_quorum_op = op
      this.recorder.record('durable.broadcast.quorum', { op: op.id, value: op.value, acks: acked.size })
    } else {
      this.recorder.record('durable.broadcast.no_quorum', { op: op.id, value: op.value, acks: acked.size })
    }
  }
}

/**
 * A broadcast replica: accepts an operation unless it already holds a newer
 * one or a different value for the same id, and acknowledges what it accepts.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { Recorder } from '../recorder.js'
import type { Op } from './op_log.js'

export type BroadcastMessage =
  | { readonly kind: 'replicate'; readonly op: number; readonly value: number }
  | { readonly kind: 'ack'; readonly op: number; readonly value: number }

export function describeMessage(message: BroadcastMessage): string {
  return `${message.kind}:${message.op}:${message.value}`
}

export class BroadcastReplica {
  #accepted: Op | null = null

  constructor(
    readonly endpoint: Endpoint<BroadcastMessage>,
    readonly recorder: Recorder,
  ) {}

  get accepted(): Op | null {
    return this.#accepted
  }

  start(): void {
    this.endpoint.onMessage((message, from) => {
      if (message.kind !== 'replicate') return
      const current = this.#accepted
      const accepted = current === null || message.op > current.id || (message.op === current.id && message.value === current.value)
      if (accepted) this.#accepted = { id: message.op, value: message.value }
      this.recorder.record('durable.replica_accept', { replica: this.endpoint.node, op: message.op, value: message.value, accepted })
      if (accepted) this.endpoint.send(from, { kind: 'ack', op: message.op, value: message.value })
    })
  }
}

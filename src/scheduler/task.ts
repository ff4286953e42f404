import type { QueueEntry } from './event_queue.js'

/** Anything the loop can run: timers, immediates and scheduled operations. */
export abstract class Task implements QueueEntry {
  due_ms = 0
  due_sub_ns = 0
  seq = 0
  heap_index = -1
  /** Whether this task keeps the simulation alive (Node's ref/unref). */
  refed = true
  /** Set when a queued immediate is cleared; the loop skips it. */
  cleared = false
  /** The context captured when it was scheduled, restored when it runs (only with a ContextCarrier on the loop). */
  context: unknown = undefined

  /** Runs the task's callback. Called by the loop only. */
  abstract fire(): void
  /** A short description for stall reports and traces, e.g. `setTimeout(onLease)`. */
  abstract describe(): string
}

export function callbackName(callback: Function): string {
  return callback.name === '' ? 'anonymous' : callback.name
}

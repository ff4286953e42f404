import type { EventLoop } from './loop.js'
import { Task } from './task.js'

/** A scheduled operation: the disk and network complete their work through these. */
export class Operation extends Task {
  constructor(
    readonly loop: EventLoop,
    readonly label: string,
    readonly callback: () => void,
  ) {
    super()
  }

  fire(): void {
    this.callback()
  }

  describe(): string {
    return `operation(${this.label})`
  }

  /** Cancels the operation if it has not run yet. */
  cancel(): void {
    this.loop.unschedule(this)
  }
}

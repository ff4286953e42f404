import { invalidArgType } from './errors.js'
import type { EventLoop } from './loop.js'
import { callbackName, Task } from './task.js'

/** Node's largest timer delay; anything above (or below 1 ms, or NaN) becomes 1 ms. */
export const TIMEOUT_MAX_MS = 2 ** 31 - 1

let next_async_id = 1

/** Node's delay rules: coerce to a number, clamp out-of-range values to 1, drop fractions. */
export function normalizeDelayMs(loop: EventLoop, delay: unknown): number {
  let after = (delay as number) * 1
  if (!(after >= 1 && after <= TIMEOUT_MAX_MS)) {
    if (after > TIMEOUT_MAX_MS) {
      loop.world.trace.record('timer.overflow', { requested_ms: String(after), used_ms: 1 })
      process.emitWarning(
        `${after} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`,
        'TimeoutOverflowWarning',
      )
    }
    after = 1
  }
  return Math.trunc(after)
}

/** Set by Timeout's static block: drops a timer's primitive id from the known ids. */
let forgetPrimitiveId: (timer: Timeout) => void

/** The simulated counterpart of Node's `Timeout`, as `setTimeout` and `setInterval` return it. */
export class Timeout extends Task {
  /** Milliseconds between arming and firing; -1 once cleared (as in Node). */
  _idleTimeout: number
  _onTimeout: Function | null
  _timerArgs: unknown[] | undefined
  /** Interval period in ms, or null for a one-shot timeout. */
  _repeat: number | null
  _destroyed = false
  readonly #loop: EventLoop
  #async_id = 0

  constructor(loop: EventLoop, callback: Function, after_ms: number, args: unknown[] | undefined, repeat: boolean) {
    super()
    this.#loop = loop
    this._idleTimeout = after_ms
    this._onTimeout = callback
    this._timerArgs = args
    this._repeat = repeat ? after_ms : null
    loop.scheduleAfterMs(this, after_ms)
  }

  fire(): void {
    const loop = this.#loop
    const callback = this._onTimeout as Function
    try {
      if (this._timerArgs === undefined) callback.call(this)
      else callback.apply(this, this._timerArgs)
    } finally {
      if (this._repeat !== null && this._idleTimeout !== -1) {
        // Node re-arms an interval after its callback (simulated time stands still while it runs).
        this._idleTimeout = this._repeat
        loop.scheduleAfterMs(this, this._repeat)
      } else if (!loop.isScheduled(this)) {
        this._destroyed = true
        // Node forgets a finished timer's primitive id: a later clearTimeout(id) no longer reaches it.
        forgetPrimitiveId(this)
      }
    }
  }

  describe(): string {
    const kind = this._repeat === null ? 'setTimeout' : 'setInterval'
    return `${kind}(${this._onTimeout === null ? 'cleared' : callbackName(this._onTimeout)}, ${this._idleTimeout})`
  }

  ref(): this {
    this.#loop.setRefed(this, true, this.#loop.isScheduled(this))
    return this
  }

  unref(): this {
    this.#loop.setRefed(this, false, this.#loop.isScheduled(this))
    return this
  }

  hasRef(): boolean {
    return this.refed
  }

  /** Re-arms the timer for its full duration from now, as Node's `refresh()` does, even after it fired. */
  refresh(): this {
    if (this._idleTimeout >= 0 && this._onTimeout !== null) {
      this._destroyed = false
      this.#loop.scheduleAfterMs(this, this._idleTimeout)
    }
    return this
  }

  close(): this {
    clearTimer(this.#loop, this)
    return this
  }

  [Symbol.toPrimitive](): number {
    if (this.#async_id === 0) {
      this.#async_id = next_async_id++
      knownTimers(this.#loop).set(this.#async_id, this)
    }
    return this.#async_id
  }

  static {
    forgetPrimitiveId = (timer) => {
      if (timer.#async_id !== 0) known_by_loop.get(timer.#loop)?.delete(timer.#async_id)
    }
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(Timeout.prototype, Symbol.dispose, {
    value(this: Timeout) {
      this.close()
    },
    writable: true,
    configurable: true,
  })
}

/** Timers whose primitive id was taken, so `clearTimeout(id)` works as in Node. */
const known_by_loop = new WeakMap<EventLoop, Map<number, Timeout>>()

function knownTimers(loop: EventLoop): Map<number, Timeout> {
  let known = known_by_loop.get(loop)
  if (known === undefined) {
    known = new Map()
    known_by_loop.set(loop, known)
  }
  return known
}

function clearTimer(loop: EventLoop, timer: unknown): void {
  if (timer === null || timer === undefined) return
  if (timer instanceof Timeout) {
    if (timer._onTimeout === null) return
    forgetPrimitiveId(timer)
    timer._onTimeout = null
    timer._idleTimeout = -1
    timer._destroyed = true
    loop.unschedule(timer)
    return
  }
  if (typeof timer === 'number' || typeof timer === 'string') {
    const known = known_by_loop.get(loop)
    const found = known?.get(Number(timer))
    if (found !== undefined) {
      known?.delete(Number(timer))
      clearTimer(loop, found)
    }
  }
}

/** Set by Immediate's static block: clearImmediate for Symbol.dispose, defined outside the class. */
let disposeImmediate: (immediate: Immediate) => void

/** The simulated counterpart of Node's `Immediate`. */
export class Immediate extends Task {
  _onImmediate: Function | null
  _argv: unknown[] | undefined
  _destroyed = false
  readonly #loop: EventLoop

  constructor(loop: EventLoop, callback: Function, args: unknown[] | undefined) {
    super()
    this.#loop = loop
    this._onImmediate = callback
    this._argv = args
    loop.enqueueImmediate(this)
  }

  fire(): void {
    const callback = this._onImmediate as Function
    this._onImmediate = null
    this._destroyed = true
    if (this._argv === undefined) callback.call(this)
    else callback.apply(this, this._argv)
  }

  describe(): string {
    return `setImmediate(${this._onImmediate === null ? 'done' : callbackName(this._onImmediate)})`
  }

  // Node drops an immediate's ref state once it runs or is cleared: hasRef() is then false, ref/unref do nothing.
  ref(): this {
    if (!this._destroyed) this.#loop.setRefed(this, true, true)
    return this
  }

  unref(): this {
    if (!this._destroyed) this.#loop.setRefed(this, false, true)
    return this
  }

  hasRef(): boolean {
    return !this._destroyed && this.refed
  }

  static {
    disposeImmediate = (immediate) => {
      if (immediate._destroyed) return
      immediate._destroyed = true
      immediate._onImmediate = null
      immediate.#loop.clearImmediate(immediate)
    }
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(Immediate.prototype, Symbol.dispose, {
    value(this: Immediate) {
      // Through the loop, as clearImmediate does, so the immediate stops counting as ref'd work.
      disposeImmediate(this)
    },
    writable: true,
    configurable: true,
  })
}

/** The `node:timers` surface over a simulated loop. */
export interface SimTimers {
  setTimeout(callback: (_: void) => void, delay?: number): Timeout
  setTimeout<A extends unknown[]>(callback: (...args: A) => void, delay?: number, ...args: A): Timeout
  clearTimeout(timer: Timeout | string | number | undefined | null): void
  setInterval(callback: (_: void) => void, delay?: number): Timeout
  setInterval<A extends unknown[]>(callback: (...args: A) => void, delay?: number, ...args: A): Timeout
  clearInterval(timer: Timeout | string | number | undefined | null): void
  setImmediate(callback: (_: void) => void): Immediate
  setImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Immediate
  clearImmediate(immediate: Immediate | undefined | null): void
  /** The simulated `process.nextTick`. */
  nextTick<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void
}

export function createTimers(loop: EventLoop): SimTimers {
  return {
    setTimeout(callback: Function, delay?: unknown, ...args: unknown[]) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'function', callback)
      return new Timeout(loop, callback, normalizeDelayMs(loop, delay), args.length === 0 ? undefined : args, false)
    },
    clearTimeout(timer) {
      clearTimer(loop, timer)
    },
    setInterval(callback: Function, delay?: unknown, ...args: unknown[]) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'function', callback)
      return new Timeout(loop, callback, normalizeDelayMs(loop, delay), args.length === 0 ? undefined : args, true)
    },
    clearInterval(timer) {
      clearTimer(loop, timer)
    },
    setImmediate(callback: Function, ...args: unknown[]) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'function', callback)
      return new Immediate(loop, callback, args.length === 0 ? undefined : args)
    },
    clearImmediate(immediate) {
      if (!(immediate instanceof Immediate) || immediate._destroyed) return
      immediate._destroyed = true
      immediate._onImmediate = null
      loop.clearImmediate(immediate)
    },
    nextTick(callback, ...args) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'function', callback)
      loop.nextTick(callback, args.length === 0 ? undefined : args)
    },
  }
}

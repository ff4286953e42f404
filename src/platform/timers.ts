import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import { Immediate, Timeout } from '../scheduler/timers.js'
import { slot } from './active.js'

/**
 * The timer functions: the simulation's `sim.timers` / `sim.timersPromises`
 * while one is active, the real ones (looked up at each call, as untransformed
 * code would) otherwise. A simulated timer handed to a clear function after its
 * simulation ended is still recognised and cleared on its own loop; a real timer
 * cleared inside a simulation is cleared for real.
 */

const G: typeof globalThis = globalThis
const require = createRequire(import.meta.url)
const real_timers_promises = require('node:timers/promises') as typeof import('node:timers/promises')

/** Gives `wrapper` the real function's `name` and `length`. */
export function mirror<F extends Function>(wrapper: F, original: Function): F {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true })
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true })
  return wrapper
}

const dispose = (Symbol as unknown as { dispose?: symbol }).dispose

// ---- node:timers/promises ------------------------------------------------------------------------

function setTimeoutPromise(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(real_timers_promises.setTimeout, this, args)
  return Reflect.apply(sim.timersPromises.setTimeout, sim.timersPromises, args)
}

function setImmediatePromise(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(real_timers_promises.setImmediate, this, args)
  return Reflect.apply(sim.timersPromises.setImmediate, sim.timersPromises, args)
}

function setIntervalPromise(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(real_timers_promises.setInterval, this, args)
  return Reflect.apply(sim.timersPromises.setInterval, sim.timersPromises, args)
}

type RealScheduler = { wait(delay: number, options?: unknown): Promise<void>; yield(): Promise<void> }

/** `timers/promises.scheduler`: its methods check their receiver, as Node's do. */
export const scheduler = {
  wait(this: unknown, ...args: unknown[]): Promise<void> {
    const real_scheduler = real_timers_promises.scheduler as unknown as RealScheduler
    const self = this === scheduler ? real_scheduler : this
    const sim = slot.simulation
    if (sim === null || self !== real_scheduler) return Reflect.apply(real_scheduler.wait, self, args) as Promise<void>
    return Reflect.apply(sim.timersPromises.scheduler.wait, sim.timersPromises.scheduler, args) as Promise<void>
  },
  yield(this: unknown): Promise<void> {
    const real_scheduler = real_timers_promises.scheduler as unknown as RealScheduler
    const self = this === scheduler ? real_scheduler : this
    const sim = slot.simulation
    if (sim === null || self !== real_scheduler) return Reflect.apply(real_scheduler.yield, self, []) as Promise<void>
    return sim.timersPromises.scheduler.yield()
  },
}
mirror(scheduler.wait, (real_timers_promises.scheduler as unknown as RealScheduler).wait)
mirror(scheduler.yield, (real_timers_promises.scheduler as unknown as RealScheduler).yield)

export const timersPromises = {
  setTimeout: mirror(setTimeoutPromise, real_timers_promises.setTimeout) as unknown as typeof real_timers_promises.setTimeout,
  setImmediate: mirror(setImmediatePromise, real_timers_promises.setImmediate) as unknown as typeof real_timers_promises.setImmediate,
  setInterval: mirror(setIntervalPromise, real_timers_promises.setInterval) as unknown as typeof real_timers_promises.setInterval,
  scheduler: scheduler as unknown as typeof real_timers_promises.scheduler,
}

// ---- the callback timers ---------------------------------------------------------------------------

function setTimeout(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(G.setTimeout, this, args)
  return Reflect.apply(sim.timers.setTimeout, sim.timers, args)
}

function setInterval(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(G.setInterval, this, args)
  return Reflect.apply(sim.timers.setInterval, sim.timers, args)
}

function setImmediate(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(G.setImmediate, this, args)
  return Reflect.apply(sim.timers.setImmediate, sim.timers, args)
}

/** clearTimeout and clearInterval: the same function in Node. */
function clearTimer(this: unknown, real_clear: typeof G.clearTimeout, args: unknown[]): void {
  const timer = args[0]
  if (timer instanceof Timeout) {
    timer.close()
    return
  }
  const sim = slot.simulation
  // Outside a simulation, or a real timer object inside one: the real clear function.
  if (sim === null || (typeof timer === 'object' && timer !== null)) {
    Reflect.apply(real_clear, this, args)
    return
  }
  // A primitive id inside a simulation names a simulated timer.
  sim.timers.clearTimeout(timer as number | string | null | undefined)
}

function clearTimeout(this: unknown, ...args: unknown[]): void {
  clearTimer.call(this, G.clearTimeout, args)
}

function clearInterval(this: unknown, ...args: unknown[]): void {
  clearTimer.call(this, G.clearInterval, args)
}

function clearImmediate(this: unknown, ...args: unknown[]): void {
  const immediate = args[0]
  if (immediate instanceof Immediate) {
    // Symbol.dispose clears it on its own loop (the simulation it was created in).
    if (dispose !== undefined) (immediate as unknown as Record<symbol, () => void>)[dispose]?.()
    else slot.simulation?.timers.clearImmediate(immediate)
    return
  }
  Reflect.apply(G.clearImmediate, this, args)
}

Object.defineProperty(setTimeout, promisify.custom, { value: timersPromises.setTimeout, enumerable: false, writable: false, configurable: true })
Object.defineProperty(setImmediate, promisify.custom, { value: timersPromises.setImmediate, enumerable: false, writable: false, configurable: true })

export const timers = {
  setTimeout: mirror(setTimeout, G.setTimeout) as unknown as typeof globalThis.setTimeout,
  clearTimeout: mirror(clearTimeout, G.clearTimeout) as unknown as typeof globalThis.clearTimeout,
  setInterval: mirror(setInterval, G.setInterval) as unknown as typeof globalThis.setInterval,
  clearInterval: mirror(clearInterval, G.clearInterval) as unknown as typeof globalThis.clearInterval,
  setImmediate: mirror(setImmediate, G.setImmediate) as unknown as typeof globalThis.setImmediate,
  clearImmediate: mirror(clearImmediate, G.clearImmediate) as unknown as typeof globalThis.clearImmediate,
}

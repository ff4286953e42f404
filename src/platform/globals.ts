import { slot } from './active.js'
import { real, type PerformanceObject, type WebCrypto } from './real.js'
import { isIntegerTypedArray, seededUUID } from './seeded.js'
import { mirror } from './timers.js'

/**
 * The simulated globals other than `Date` and the timers. Each reads the
 * active simulation at call time: inside one it serves the simulation, outside
 * it calls the global as it is at that moment (with the same `this` and
 * arguments), so transformed code behaves exactly like the original there.
 */

const G: typeof globalThis = globalThis
const NS_PER_MS = 1_000_000
const NS_PER_S = 1_000_000_000n

// ---- performance ------------------------------------------------------------------------------------

function performanceNow(this: unknown): number {
  const sim = slot.simulation
  if (sim !== null) return sim.world.clock.monotonicMs()
  const current = G.performance
  return Reflect.apply(current.now, this === performance ? current : this, []) as number
}

function simulatedTimeOrigin(): number {
  const clock = (slot.simulation as NonNullable<typeof slot.simulation>).world.clock
  // timeOrigin + performance.now() is the simulated wall clock (to within Date.now()'s whole milliseconds).
  return clock.epoch_ms - clock.monotonic_origin_ns / NS_PER_MS
}

function performanceToJSON(this: unknown): unknown {
  const sim = slot.simulation
  const current = sim === null ? G.performance : real.performance
  const json = Reflect.apply(current.toJSON, this === performance ? current : this, []) as Record<string, unknown>
  return sim === null ? json : { ...json, timeOrigin: simulatedTimeOrigin() }
}

/** Methods of the real performance object, called with the real object as `this`. */
const forwarded = new WeakMap<Function, Function>()

function forward(method: Function): Function {
  let wrapper = forwarded.get(method)
  if (wrapper === undefined) {
    wrapper = mirror(function (this: unknown, ...args: unknown[]): unknown {
      const target = this === performance ? (slot.simulation === null ? G.performance : real.performance) : this
      return Reflect.apply(method, target, args)
    }, method)
    forwarded.set(method, wrapper)
  }
  return wrapper
}

/**
 * The platform's `performance`: one stable object (libraries keep the one they
 * saw at load time) whose `now()` and `timeOrigin` are simulated inside a
 * simulation; every other member is the real performance object's.
 */
export const performance: PerformanceObject = new Proxy(real.performance, {
  get(_, key) {
    if (key === 'now') return performanceNow
    if (key === 'toJSON') return performanceToJSON
    const sim = slot.simulation
    if (key === 'timeOrigin' && sim !== null) return simulatedTimeOrigin()
    const current = sim === null ? G.performance : real.performance
    const value = Reflect.get(current, key, current) as unknown
    return typeof value === 'function' ? forward(value) : value
  },
  set(_, key, value) {
    const current = slot.simulation === null ? G.performance : real.performance
    return Reflect.set(current, key, value, current)
  },
})
mirror(performanceNow, real.performanceNow)
mirror(performanceToJSON, real.performance.toJSON)

// ---- Math.random ----------------------------------------------------------------------------------

/** `Math.random()`: a draw from `env.random` (the `env` stream) inside a simulation. */
export const Math_random = mirror(function random(): number {
  const sim = slot.simulation
  return sim === null ? G.Math.random() : sim.env.random.float64()
}, real.mathRandom)

// ---- process.hrtime, process.nextTick ------------------------------------------------------------------

function hrtime(this: unknown, ...args: unknown[]): [number, number] {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(G.process.hrtime, this, args) as [number, number]
  const time = args[0]
  // Node's own validation, and its errors, for anything but undefined or a pair.
  if (time !== undefined && (!Array.isArray(time) || time.length !== 2)) return Reflect.apply(real.hrtime, this, args) as [number, number]
  const ns = sim.world.clock.monotonicNs()
  const seconds = Number(ns / NS_PER_S)
  const nanos = Number(ns % NS_PER_S)
  if (time === undefined) return [seconds, nanos]
  const pair = time as [number, number]
  const diff_seconds = seconds - pair[0]
  const diff_nanos = nanos - pair[1]
  return diff_nanos < 0 ? [diff_seconds - 1, diff_nanos + 1e9] : [diff_seconds, diff_nanos]
}

function hrtimeBigint(this: unknown): bigint {
  const sim = slot.simulation
  if (sim === null) return Reflect.apply(G.process.hrtime.bigint, this, []) as bigint
  return sim.world.clock.monotonicNs()
}

Object.defineProperty(hrtime, 'bigint', {
  value: mirror(hrtimeBigint, real.hrtimeBigint),
  writable: true,
  enumerable: true,
  configurable: true,
})

/** `process.hrtime([previous])` and `process.hrtime.bigint()` on the simulated monotonic clock. */
export const process_hrtime = mirror(hrtime, real.hrtime) as unknown as NodeJS.HRTime

/** `process.nextTick`: the simulated loop's tick queue inside a simulation (it keeps Node's place ahead of promise jobs). */
export const process_nextTick = mirror(function nextTick(this: unknown, ...args: unknown[]): void {
  const sim = slot.simulation
  if (sim === null) {
    Reflect.apply(G.process.nextTick, G.process, args)
    return
  }
  Reflect.apply(sim.timers.nextTick, sim.timers, args)
}, real.nextTick) as typeof process.nextTick

// ---- Web Crypto randomness ----------------------------------------------------------------------------

/** The global `crypto.randomUUID()`: a v4 UUID from 16 bytes of `env.random` inside a simulation. */
export const crypto_randomUUID = mirror(function randomUUID(this: unknown, ...args: unknown[]): string {
  const sim = slot.simulation
  if (sim === null) {
    const crypto = G.crypto
    return Reflect.apply(crypto.randomUUID, crypto, args) as string
  }
  return seededUUID(sim.env.random)
}, real.cryptoRandomUUID) as unknown as WebCrypto['randomUUID']

/** Web Crypto's limit on one `getRandomValues` call. */
export const GET_RANDOM_VALUES_MAX_BYTES = 65_536

/**
 * The global `crypto.getRandomValues(array)`: fills the array from `env.random`
 * inside a simulation. Anything Web Crypto rejects (no argument, a float array,
 * a DataView, more than 65,536 bytes) is handed to the real function, which
 * throws its own error.
 */
export const crypto_getRandomValues = mirror(function getRandomValues(this: unknown, ...args: unknown[]): unknown {
  const sim = slot.simulation
  if (sim === null) {
    const crypto = G.crypto
    return Reflect.apply(crypto.getRandomValues, crypto, args)
  }
  const array = args[0]
  if (args.length === 0 || !isIntegerTypedArray(array) || array.byteLength > GET_RANDOM_VALUES_MAX_BYTES) {
    return Reflect.apply(real.cryptoGetRandomValues, real.crypto, args)
  }
  sim.env.random.fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
  return array
}, real.cryptoGetRandomValues) as WebCrypto['getRandomValues']

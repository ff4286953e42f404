import * as nodeTimers from 'node:timers'
import * as nodeTimersPromises from 'node:timers/promises'
import { randomInt, getRandomValues } from 'node:crypto'
import type { BuggifyRate } from '../world/buggify.js'
import type { TraceFields } from '../world/trace.js'
import type { SimTimers } from '../scheduler/timers.js'
import type { SimTimersPromises } from '../scheduler/timers_promises.js'

/** Seeded randomness as application code sees it. */
export interface RandomSource {
  /** A uniform integer in [0, bound). */
  intLessThan(bound: number): number
  /** A uniform integer in [min, max]. */
  intBetween(min: number, max: number): number
  /** A uniform float in [0, 1). */
  float64(): number
  fill(bytes: Uint8Array): Uint8Array
  pick<T>(items: readonly T[]): T
}

/** Clock readings as application code sees them. */
export interface EnvClock {
  /** Monotonic nanoseconds (`process.hrtime.bigint()`). */
  nowNs(): bigint
  /** Wall-clock milliseconds since 1970 (`Date.now()`). */
  wallMs(): number
  /** Monotonic fractional milliseconds (`performance.now()`). */
  monotonicMs(): number
}

/**
 * The application-facing platform: what production-shaped code receives when it
 * prefers injection over globals. The same code runs on `productionEnv()` in
 * production and on a simulation's `env` in tests. Harness operations (crash,
 * partition, advancing time) are never here: they live on `control`.
 */
export interface Env {
  readonly simulated: boolean
  readonly clock: EnvClock
  readonly random: RandomSource
  readonly timers: Pick<SimTimers, 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'setImmediate' | 'clearImmediate' | 'nextTick'>
  readonly timersPromises: Pick<SimTimersPromises, 'setTimeout' | 'setImmediate' | 'setInterval' | 'scheduler'>
  /** Waits `ms` milliseconds (simulated time in a simulation). */
  sleep(ms: number): Promise<void>
  /** Whether a fault-injection site fires now; always false in production. */
  buggify(hook: string, rate: BuggifyRate): boolean
  /** Records a trace event (values must be raw trace values); a no-op in production. */
  record(name: string, fields?: TraceFields): void
  /** Records a trace event, percent-escaping string values; a no-op in production. */
  recordFields(name: string, fields: TraceFields): void
}

const productionRandom: RandomSource = {
  intLessThan: (bound) => randomInt(bound),
  intBetween: (min, max) => randomInt(min, max + 1),
  float64: () => Math.random(),
  fill: (bytes) => getRandomValues(bytes),
  pick: (items) => {
    if (items.length === 0) throw new RangeError('pick: empty list')
    return items[randomInt(items.length)] as (typeof items)[number]
  },
}

/** The real platform behind the `Env` interface: real clock, timers and randomness, no trace. */
export function productionEnv(): Env {
  return {
    simulated: false,
    clock: {
      nowNs: () => process.hrtime.bigint(),
      wallMs: () => Date.now(),
      monotonicMs: () => performance.now(),
    },
    random: productionRandom,
    timers: {
      setTimeout: nodeTimers.setTimeout,
      clearTimeout: nodeTimers.clearTimeout,
      setInterval: nodeTimers.setInterval,
      clearInterval: nodeTimers.clearInterval,
      setImmediate: nodeTimers.setImmediate,
      clearImmediate: nodeTimers.clearImmediate,
      nextTick: process.nextTick,
    } as unknown as Env['timers'],
    timersPromises: nodeTimersPromises as unknown as Env['timersPromises'],
    sleep: (ms) => nodeTimersPromises.setTimeout(ms),
    buggify: () => false,
    record: () => {},
    recordFields: () => {},
  }
}

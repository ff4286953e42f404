import type { Env } from '../src/sim/env.js'

/**
 * What the examples take by injection: trace events and buggify decisions, the
 * two things no global stands for. The clock, timers and randomness are the
 * plain globals (`setTimeout`, `Math.random()`, `process.hrtime.bigint()`),
 * which the transform redirects to the simulation.
 */
export type Recorder = Pick<Env, 'record' | 'recordFields' | 'buggify'>

/** The recorder of a simulation's `env` (nothing else of `env` comes along). */
export function recorderOf(env: Env): Recorder {
  return {
    record: (name, fields) => env.record(name, fields),
    recordFields: (name, fields) => env.recordFields(name, fields),
    buggify: (hook, rate) => env.buggify(hook, rate),
  }
}

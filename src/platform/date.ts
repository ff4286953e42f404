import { slot } from './active.js'
import { real } from './real.js'

/**
 * Reached through a plain variable, never as `globalThis.Date` or a bare `Date`:
 * outside a simulation the platform calls whatever the global is at that moment
 * (exactly what untransformed code would call, fake timers included), and a
 * transform that rewrites globals must find nothing to rewrite here.
 */
const G: typeof globalThis = globalThis

const RealDate = real.Date

/** `Date.now()`: the simulated wall clock inside a simulation, the global's own otherwise. */
function now(this: unknown): number {
  const sim = slot.simulation
  return sim === null ? G.Date.now() : sim.world.clock.wallMs()
}

const handler: ProxyHandler<DateConstructor> = {
  construct(target, args, new_target) {
    const sim = slot.simulation
    if (sim === null) {
      const Current = G.Date
      return Reflect.construct(Current, args, new_target === SimDate ? Current : new_target) as object
    }
    // Only the no-argument form reads the clock; every other form is the real constructor's.
    return Reflect.construct(target, args.length === 0 ? [sim.world.clock.wallMs()] : args, new_target === SimDate ? target : new_target) as object
  },
  apply(target, this_arg, args) {
    const sim = slot.simulation
    if (sim === null) return Reflect.apply(G.Date, this_arg, args) as string
    // `Date(...)` called as a function ignores its arguments and returns now as a string.
    return new target(sim.world.clock.wallMs()).toString()
  },
  get(target, key, receiver) {
    if (key === 'now') return now
    return Reflect.get(target, key, receiver) as unknown
  },
}

/**
 * The platform's `Date`: the real constructor behind a Proxy, so real dates are
 * `instanceof` it, `Date.parse`/`Date.UTC`/`Date.prototype` are the real ones,
 * and subclasses work. Inside a simulation `new Date()`, `Date()` and
 * `Date.now()` read the simulated wall clock (`sim.world.clock.wallMs()`).
 */
export const SimDate: DateConstructor = new Proxy(RealDate, handler)

/** What a simulated event loop can be told, and what it carries between tasks. */

export interface LoopOptions {
  /** Steps (macrotasks run) before the run fails as runaway. */
  max_steps?: number
  /** Simulated nanoseconds the run may reach before it fails. */
  max_time_ns?: number | bigint
  /** Seeded choice among tasks due at the same instant; every choice is traced. */
  explore?: boolean
  /** How the loop waits for microtasks between macrotasks. */
  settle?: 'microtask' | 'macrotask'
  /** Steps between yields to the real event loop. */
  yield_every_steps?: number
}

export const DEFAULT_MAX_STEPS = 10_000_000
/** Ten simulated years. */
export const DEFAULT_MAX_TIME_NS = 10n * 366n * 24n * 3600n * 1_000_000_000n

/**
 * Carries an execution context (which simulated node code runs on, say) from
 * where a task is scheduled to where it runs, as Node's own timers, immediates
 * and nextTick carry AsyncLocalStorage. The loop runs every task from its own
 * driver callback, so without a carrier a task would run in whatever context
 * drove the loop. `enter` sets the context for the rest of the current
 * synchronous run and the microtasks it queues (AsyncLocalStorage.enterWith).
 */
export interface ContextCarrier {
  capture(): unknown
  enter(context: unknown): void
}

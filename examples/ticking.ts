import type { Control } from '../src/sim/simulation.js'

/** Ticks at most while one piece of work runs: a bound on the drive loop. */
export const MAX_TICKS = 10_000

/**
 * Awaits `work` while the harness ticks the world, so tick-evolved network
 * faults (clogs, automatic partitions) change under it as it runs.
 */
export async function whileTicking<T>(control: Control, work: Promise<T>): Promise<T> {
  let settled = false
  work.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let ticks = 0; !settled; ticks++) {
    if (ticks >= MAX_TICKS) throw new Error(`work still running after ${MAX_TICKS} ticks`)
    await control.tick()
  }
  return work
}

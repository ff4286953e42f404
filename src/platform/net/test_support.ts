import { expect } from 'vitest'
import { run, type RunOptions } from '../../run/run.js'
import type { Simulation } from '../../sim/simulation.js'

// Test support for src/platform/net (excluded from the build, as every test_support.ts and e2e_support.ts).

/** Runs `body` in a simulation with a network (replayed, which must be identical) and returns the first attempt's value. */
export async function inNet<T>(body: (sim: Simulation) => Promise<T> | T, options: Partial<RunOptions> = {}): Promise<{ value: T; trace: string }> {
  let first: { value: T } | null = null
  const report = await run(
    async (sim) => {
      const value = await body(sim)
      first ??= { value }
    },
    { seed: 5, network: { nodes: 3, hosts: { db: 1, web: 2 } }, ...options },
  )
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return { value: (first as unknown as { value: T }).value, trace: report.traceText() }
}


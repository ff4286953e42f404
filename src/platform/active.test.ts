import { describe, expect, test } from 'vitest'
import { run } from '../run/run.js'
import { Simulation } from '../sim/simulation.js'
import { activeSimulation, enterSimulation, exitSimulation, SimulationAlreadyActive, slot } from './active.js'

describe('the active-simulation slot', () => {
  test('lives on globalThis under a registered symbol, shared by every copy of the platform', () => {
    const shared = (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('marionette.active_simulation')]
    expect(shared).toBe(slot)
  })

  test('enter and exit pair up; the globals are swapped only in between', () => {
    const sim = new Simulation({ seed: 1 })
    const real_now = Date.now
    expect(activeSimulation()).toBeNull()
    enterSimulation(sim)
    try {
      expect(activeSimulation()).toBe(sim)
      expect(Date.now).not.toBe(real_now)
    } finally {
      exitSimulation(sim)
    }
    expect(activeSimulation()).toBeNull()
    expect(Date.now).toBe(real_now)
  })

  test('a second simulation cannot enter while one is active, and the first stays active', () => {
    const first = new Simulation({ seed: 1 })
    const second = new Simulation({ seed: 2 })
    enterSimulation(first)
    try {
      expect(() => enterSimulation(second)).toThrow(SimulationAlreadyActive)
      expect(() => enterSimulation(second)).toThrow(
        'simulations in one thread run one at a time; do not run test.sim cases concurrently',
      )
      expect(activeSimulation()).toBe(first)
      expect(() => exitSimulation(second)).toThrow(/not the active one/)
      expect(activeSimulation()).toBe(first)
    } finally {
      exitSimulation(first)
    }
    expect(activeSimulation()).toBeNull()
  })

  test('the runner enters around the scenario and the checks, and exits after', async () => {
    const seen: (Simulation | null)[] = []
    let simulation: Simulation | null = null
    const report = await run(
      async (sim) => {
        simulation = sim
        seen.push(activeSimulation())
        await sim.env.sleep(5)
        seen.push(activeSimulation())
      },
      { seed: 1, replay: false, checks: [{ name: 'active_in_checks', check: (sim) => activeSimulation() === sim }] },
    )
    expect(report.passed).toBe(true)
    expect(seen).toEqual([simulation, simulation])
    expect(activeSimulation()).toBeNull()
  })

  test('the runner exits even when the scenario fails', async () => {
    const report = await run(() => {
      throw new Error('boom')
    }, { seed: 1 })
    expect(report.outcome).toBe('error')
    expect(activeSimulation()).toBeNull()
  })
})

import { describe, expect, test } from 'vitest'
import { BuggifyRate } from '../world/buggify.js'
import { productionEnv } from './env.js'
import { Simulation } from './simulation.js'

describe('Simulation', () => {
  test('control.tick advances one tick, records it and runs subsystem tick hooks', async () => {
    const sim = new Simulation({ seed: 1, tick_ns: 250_000 })
    const hook_ticks: number[] = []
    sim.addTickHook('test', (tick) => hook_ticks.push(tick))
    await sim.loop.run(async () => {
      await sim.control.tick()
      await sim.control.tick()
    })
    expect(hook_ticks).toEqual([0, 1])
    expect(sim.world.trace.text()).toContain('event=0 world.tick tick=0 now_ns=250000\nevent=1 world.tick tick=1 now_ns=500000\n')
  })

  test('control.runFor steps tick by tick and ends exactly at the duration', async () => {
    const sim = new Simulation({ seed: 1 })
    const seen: string[] = []
    await sim.loop.run(async () => {
      sim.timers.setTimeout(() => seen.push(sim.world.clock.nowNsText()), 2)
      await sim.control.runFor(3_500_000)
    })
    expect(seen).toEqual(['2000000'])
    expect(sim.world.clock.nowNsText()).toBe('3500000')
    const text = sim.world.trace.text()
    expect(text).toContain('world.run_for duration_ns=3500000 end_ns=3500000')
    expect(text.match(/world\.tick /g)).toHaveLength(3)
  })

  test('env reads the simulated clock and seeded randomness', async () => {
    const a = new Simulation({ seed: 99, clock: { epoch_ms: 1_000_000 } })
    const b = new Simulation({ seed: 99, clock: { epoch_ms: 1_000_000 } })
    await a.loop.run(() => a.env.sleep(1500))
    expect(a.env.clock.wallMs()).toBe(1_001_500)
    expect(a.env.clock.monotonicMs()).toBe(2500)
    expect(a.env.random.intLessThan(1 << 30)).toBe(b.env.random.intLessThan(1 << 30))
    expect(a.env.buggify('site', BuggifyRate.always())).toBe(true)
  })

  test('rejects a bad tick duration', () => {
    expect(() => new Simulation({ seed: 1, tick_ns: 0 })).toThrow(/tick_ns/)
  })
})

describe('productionEnv', () => {
  test('uses the real platform and never buggifies', async () => {
    const env = productionEnv()
    expect(env.simulated).toBe(false)
    const before = Date.now()
    await env.sleep(5)
    expect(env.clock.wallMs()).toBeGreaterThanOrEqual(before + 4)
    expect(env.buggify('site', BuggifyRate.always())).toBe(false)
    const value = env.random.intBetween(3, 4)
    expect(value === 3 || value === 4).toBe(true)
    env.record('ignored', { a: 1 })
  })
})

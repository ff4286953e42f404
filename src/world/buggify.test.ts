import { describe, expect, test } from 'vitest'
import { BuggifyRate, formatRate, InvalidBuggifyRate, validateRate } from './buggify.js'
import { World } from './world.js'

describe('BuggifyRate', () => {
  test('builds and formats valid rates', () => {
    expect(formatRate(BuggifyRate.never())).toBe('never')
    expect(formatRate(BuggifyRate.always())).toBe('always')
    expect(formatRate(BuggifyRate.percent(10))).toBe('percent:10')
    expect(formatRate(BuggifyRate.ratio(1, 8))).toBe('ratio:1/8')
  })

  test.each([
    [() => BuggifyRate.percent(101), /integer from 0 to 100/],
    [() => BuggifyRate.percent(-1), /integer from 0 to 100/],
    [() => BuggifyRate.percent(2.5), /integer from 0 to 100/],
    [() => BuggifyRate.ratio(1, 0), /denominator must be a positive integer/],
    [() => BuggifyRate.ratio(3, 2), /numerator must be an integer from 0 to the denominator/],
    [() => BuggifyRate.ratio(-1, 2), /numerator/],
    [() => validateRate({ kind: 'sometimes' } as never), /unknown buggify rate kind "sometimes"/],
    [() => validateRate(null as never), /BuggifyRate/],
  ])('rejects invalid rate %#', (make, message) => {
    expect(make).toThrow(InvalidBuggifyRate)
    expect(make).toThrow(message)
  })
})

describe('env.buggify', () => {
  test('every decision is in the trace with rate, roll and fired', () => {
    const world = new World({ seed: 5 })
    world.buggify('never_site', BuggifyRate.never())
    world.buggify('always_site', BuggifyRate.always())
    world.buggify('half_site', BuggifyRate.ratio(1, 2))
    const lines = world.trace.text().trim().split('\n').slice(1)
    expect(lines[0]).toBe('event=0 buggify hook=never_site rate=never roll=none fired=false')
    expect(lines[1]).toBe('event=1 buggify hook=always_site rate=always roll=none fired=true')
    expect(lines[2]).toMatch(/^event=2 buggify hook=half_site rate=ratio:1\/2 roll=[01] fired=(true|false)$/)
  })

  test('a percent rate fires about that often, deterministically per seed', () => {
    const fire = (seed: number) => {
      const world = new World({ seed })
      let fired = 0
      for (let i = 0; i < 10_000; i++) if (world.buggify('site', BuggifyRate.percent(10))) fired++
      return fired
    }
    expect(fire(1)).toBe(fire(1))
    expect(fire(1)).toBeGreaterThan(850)
    expect(fire(1)).toBeLessThan(1150)
  })

  test('rejects invalid hook names and rates', () => {
    const world = new World({ seed: 1 })
    expect(() => world.buggify('Bad Hook', BuggifyRate.always())).toThrow(/hook names use only/)
    expect(() => world.buggify('ok', { kind: 'percent', percent: 200 })).toThrow(InvalidBuggifyRate)
  })

  test('per_site mode: a site is activated once per run, then fires at its rate', () => {
    const sites_active = new Set<string>()
    for (let seed = 0; seed < 50; seed++) {
      const world = new World({ seed, buggify: { mode: 'per_site', site_activation: BuggifyRate.percent(50) } })
      const results = Array.from({ length: 20 }, () => world.buggify('site', BuggifyRate.always()))
      // Either the site is inactive for the whole run, or active and firing at its (always) rate.
      expect(new Set(results).size).toBe(1)
      if (results[0]) sites_active.add(String(seed))
      const text = world.trace.text()
      expect(text.match(/buggify\.activate hook=site/g)).toHaveLength(1)
      if (!results[0]) expect(text).toContain('fired=false site=inactive')
    }
    expect(sites_active.size).toBeGreaterThan(10)
    expect(sites_active.size).toBeLessThan(40)
  })

  test('rejects an unknown mode', () => {
    expect(() => new World({ seed: 1, buggify: { mode: 'sometimes' as never } })).toThrow(/per_call or per_site/)
  })
})

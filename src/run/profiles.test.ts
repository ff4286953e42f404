import { describe, expect, it } from 'vitest'
import { profile, PROFILE_NAMES, UnknownProfile, withProfile } from './profiles.js'
import { BuggifyRate } from '../world/buggify.js'
import { run } from './run.js'

describe('named profiles', () => {
  it('knows smoke, swarm, replay and performance, and names them when asked for another', () => {
    expect(PROFILE_NAMES).toEqual(['smoke', 'swarm', 'replay', 'performance'])
    for (const name of PROFILE_NAMES) expect(profile(name).name).toBe(name)
    expect(() => profile('swam')).toThrow(UnknownProfile)
    expect(() => profile('swam')).toThrow('unknown profile "swam": the profiles are smoke, swarm, replay, performance')
    expect(() => profile('toString')).toThrow('unknown profile "toString"')
  })

  it('expands into run options; options given win', () => {
    expect(withProfile('smoke', { seed: 1 })).toMatchObject({ replay: true, explore: false })
    expect(withProfile('swarm', { seed: 1 })).toMatchObject({ replay: true, explore: true })
    expect(withProfile('performance', { seed: 1 })).toMatchObject({ replay: false, max_steps: 1_000_000_000 })
    expect(withProfile('performance', { seed: 1, max_steps: 5, replay: true })).toMatchObject({ replay: true, max_steps: 5 })
    expect(profile('swarm').fuzz_seeds).toBe(100)
  })

  it('swarm draws fault settings per seed: the same seed the same settings, seeds differ, a pinned fault wins', () => {
    const a = withProfile('swarm', { seed: 42 })
    expect(withProfile('swarm', { seed: 42 })).toEqual(a)
    const mixes = new Set<string>()
    for (let seed = 0; seed < 50; seed++) mixes.add(JSON.stringify(withProfile('swarm', { seed }).disk?.faults))
    expect(mixes.size).toBeGreaterThan(40)
    const pinned = withProfile('swarm', { seed: 42, disk: { sector_size_bytes: 512, faults: { read_error_rate: BuggifyRate.never() } } })
    expect(pinned.disk?.sector_size_bytes).toBe(512)
    expect(pinned.disk?.faults?.read_error_rate).toEqual(BuggifyRate.never())
    expect(pinned.disk?.faults?.crash_torn_write_rate).toEqual(a.disk?.faults?.crash_torn_write_rate)
    // Network faults only where the run declares a network (its topology is the test's).
    expect(a.network).toBeUndefined()
    expect(withProfile('swarm', { seed: 42, network: { nodes: 3 } }).network).toMatchObject({ nodes: 3, faults: expect.any(Object) })
  })

  it('records the profile in the trace header', async () => {
    const report = await run(() => {}, withProfile('performance', { seed: 3 }))
    expect(report.traceText()).toContain('run.attribute key=profile type=text value=performance')
    expect(report.replay).toBe('skipped')
  })
})

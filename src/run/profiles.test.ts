import { describe, expect, it } from 'vitest'
import { profile, profileOptions, PROFILE_NAMES, UnknownProfile } from './profiles.js'
import { run } from './run.js'

describe('named profiles', () => {
  it('knows smoke, swarm, replay and performance, and names them when asked for another', () => {
    expect(PROFILE_NAMES).toEqual(['smoke', 'swarm', 'replay', 'performance'])
    for (const name of PROFILE_NAMES) expect(profile(name).name).toBe(name)
    expect(() => profile('swam')).toThrow(UnknownProfile)
    expect(() => profile('swam')).toThrow('unknown profile "swam": the profiles are smoke, swarm, replay, performance')
    expect(() => profile('toString')).toThrow('unknown profile "toString"')
  })

  it('expands into run options', () => {
    expect(profileOptions('smoke', 1)).toMatchObject({ replay: true, explore: false })
    expect(profileOptions('swarm', 1)).toMatchObject({ replay: true, explore: true })
    expect(profileOptions('performance', 1)).toMatchObject({ replay: false, max_steps: 1_000_000_000 })
    expect(profile('swarm').fuzz_seeds).toBe(100)
  })

  it('swarm draws the same settings for the same seed', () => {
    expect(profileOptions('swarm', 42)).toEqual(profileOptions('swarm', 42))
  })

  it('records the profile in the trace header', async () => {
    const report = await run(() => {}, { seed: 3, ...profileOptions('performance', 3) })
    expect(report.traceText()).toContain('run.attribute key=profile type=text value=performance')
    expect(report.replay).toBe('skipped')
  })
})

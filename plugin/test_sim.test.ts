import { describe, expect, it } from 'vitest'
import { parseSeed } from '../src/world/seed.js'
import { declaresSweep } from './fuzz_shards.js'
import { deriveSweepSeeds, deriveTestSeed, InvalidRunSeed, replayCommand, resolveRunSeed, sanitizeName, testNamePattern } from './seeds.js'
import { fullTestName, shardSeeds, test } from './test_sim.js'

describe('seeds of simulated tests', () => {
  it('takes the run seed from MARIONETTE_SEED, else --sequence.seed, else 0', () => {
    expect(resolveRunSeed('0xC0FFEE', '13')).toEqual({ seed: parseSeed(12648430), source: 'env' })
    expect(resolveRunSeed(undefined, '13')).toEqual({ seed: parseSeed(13), source: 'sequence.seed' })
    expect(resolveRunSeed('  ', null)).toEqual({ seed: parseSeed(0), source: 'default' })
    expect(resolveRunSeed(undefined, undefined).seed.text).toBe('0')
  })

  it('rejects a malformed run seed, naming where it came from and the accepted forms', () => {
    expect(() => resolveRunSeed('abc', null)).toThrow(InvalidRunSeed)
    expect(() => resolveRunSeed('abc', null)).toThrow('MARIONETTE_SEED: invalid seed "abc": not a recognised form. A seed is a decimal unsigned 64-bit integer')
    expect(() => resolveRunSeed(undefined, '-1')).toThrow('--sequence.seed: invalid seed "-1"')
  })

  it('derives a test seed from the run seed and the full name, stable and distinct', () => {
    const run = parseSeed(7)
    const a = deriveTestSeed(run, 'suite test a')
    expect(deriveTestSeed(run, 'suite test a')).toEqual(a)
    expect(deriveTestSeed(run, 'suite test b').text).not.toBe(a.text)
    expect(deriveTestSeed(parseSeed(8), 'suite test a').text).not.toBe(a.text)
    expect(deriveTestSeed(parseSeed('3f786850e387550fdab836ed7e6dc881de23001b'), 'x').kind).toBe('u64')
    // Pinned: the value is part of the contract (a replay across versions needs it).
    expect(deriveTestSeed(parseSeed(0), 'does not serve an entry at its expiry instant').text).toBe('5055172420653637557')
  })

  it('writes an exact, shell-quoted -t pattern and a file-name-safe name', () => {
    expect(testNamePattern('cache (ttl) a.b $x')).toBe('^cache \\(ttl\\) a\\.b \\$x$')
    expect(replayCommand(parseSeed(13), 'src/a b.test.ts', 'say "hi" $HOME')).toBe(
      'MARIONETTE_SEED=13 npx vitest run "src/a b.test.ts" -t "^say \\"hi\\" \\\\\\$HOME\\$"',
    )
    expect(replayCommand(parseSeed(13), 'src/a.test.ts', 'x', 'app')).toBe('MARIONETTE_SEED=13 npx vitest run --root app src/a.test.ts -t "^x\\$"')
    expect(sanitizeName('cache (ttl) > sweeps/all')).toBe('cache_ttl_sweeps_all')
    expect(sanitizeName('  ')).toBe('test')
  })
})

describe('test.sim', () => {
  test.sim('runs its body in a simulation with the fixtures of the attempt', async ({ world, env, control, seed, check, trace, task }) => {
    expect(world.seed).toEqual(seed)
    expect(trace).toBe(world.trace)
    const before = env.clock.nowNs()
    await env.sleep(60_000)
    await control.tick()
    expect(env.clock.nowNs() - before).toBe(60_000_000_000n + BigInt(control.tick_ns))
    expect(check('slept', () => true)).toBe(true)
    expect(task.meta.marionette_seed).toBe(seed.text)
    expect(fullTestName(task as never)).toBe('test.sim runs its body in a simulation with the fixtures of the attempt')
  })

  test.sim('uses a pinned seed', ({ seed, task }) => {
    expect(seed.text).toBe('12648430')
    expect(task.meta.marionette_seed).toBe('12648430')
  }, { seed: '0xC0FFEE', replay: false, max_steps: 1000 })

  test.sim.fails('fails the test when a check fails', ({ check }) => {
    check('always-false', () => false)
  })

  test.sim.skip('is skipped', ({ check }) => {
    check('never-runs', () => false)
  })

  describe('concurrent', () => {
    const order: string[] = []
    for (const name of ['a', 'b', 'c']) {
      test.sim.concurrent(`takes turns with other simulations (${name})`, async ({ env }) => {
        // Without turns, a second simulation entering while this one runs throws SimulationAlreadyActive.
        order.push(`start ${name}`)
        for (let i = 0; i < 100; i++) await env.sleep(1_000)
        order.push(`end ${name}`)
      })
    }
    it('ran each simulation alone (twice: replay)', () => {
      expect(order).toEqual(['a', 'b', 'c'].flatMap((name) => [`start ${name}`, `end ${name}`, `start ${name}`, `end ${name}`]))
    })
  })

  it('rejects unknown options and unknown profiles when the test is registered', () => {
    expect(() => test.sim('x', () => {}, { profile: 'swarn' } as never)).toThrow(
      'test.sim("x"): unknown profile "swarn": the profiles are smoke, swarm, replay, performance',
    )
    expect(() => test.sim('x', () => {}, { sedd: 1 } as never)).toThrow(
      'test.sim("x"): unknown option "sedd" (known options: seed, profile, replay, max_steps, max_time_ns, max_trace_bytes, explore, disk, network, timeout)',
    )
    expect(() => test.sim.fuzz('x', () => {}, { seeds: 0 })).toThrow('test.sim.fuzz("x"): seeds must be a positive integer count or a list of seeds, got 0')
    expect(() => test.sim.fuzz('x', () => {}, { seeds: [] })).toThrow('test.sim.fuzz("x"): seeds must be a positive integer count or a non-empty list of seeds')
    expect(() => test.sim.fuzz('x', () => {}, { seeds: ['0xzz'] })).toThrow('invalid seed "0xzz"')
    expect(() => test.sim.fuzz('x', () => {}, { seed: 3 } as never)).toThrow('test.sim.fuzz("x"): unknown option "seed"')
    expect(() => test.sim('x', () => {}, { seeds: 3 } as never)).toThrow('test.sim("x"): unknown option "seeds"')
    expect(() => test.sim('x', () => {}, { seed: 'nope' })).toThrow('invalid seed "nope"')
  })
})

describe('test.sim.fuzz', () => {
  const seen: string[] = []
  test.sim.fuzz('sweeps its seeds, each in its own simulation', ({ seed, world, task }) => {
    seen.push(seed.text)
    expect(world.seed).toEqual(seed)
    expect(task.meta.marionette_sweep).toBe(true)
  }, { seeds: 5 })

  it('ran five distinct derived seeds once each (no replay in a passing sweep)', () => {
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    const full_name = 'test.sim.fuzz sweeps its seeds, each in its own simulation'
    expect(seen).toEqual(deriveSweepSeeds(parseSeed(0), full_name, 5).map((seed) => seed.text))
  })

  const listed: string[] = []
  test.sim.fuzz('runs an explicit list of seeds', ({ seed }) => {
    listed.push(seed.text)
  }, { seeds: [1, '0x10', 3] })
  it('ran the listed seeds in order', () => expect(listed).toEqual(['1', '16', '3']))

  test.sim.fuzz.fails('fails naming every failing seed', ({ seed, check }) => {
    check('odd seeds only', () => BigInt(seed.text) % 2n === 1n)
  }, { seeds: [1, 2, 3, 4] })

  const profiled: unknown[] = []
  test.sim.fuzz('takes its seed count and options from a profile', ({ world }) => {
    profiled.push(world.trace.text().split('\n').find((line) => line.includes('key=profile')))
  }, { profile: 'smoke' })
  it('ran the smoke profile: 10 seeds, profile attribute in the trace', () => {
    expect(profiled).toHaveLength(10) // a sweep runs each seed once unless the test says `replay: true`
    expect(profiled[0]).toBe('run.attribute key=profile type=text value=smoke')
  })
})

describe('a swarm sweep', () => {
  const mixes: string[] = []
  test.sim.fuzz('draws its fault settings per seed', async ({ world, control }) => {
    const header = world.trace.text().split('\n').find((line) => line.includes('key=disk_faults'))
    mixes.push(header ?? 'none')
    // The drawn faults are the disk's: a crash applies them.
    await control.tick()
    expect(control.disk.crashed).toBe(false)
  }, { seeds: 12, profile: 'swarm' })
  it('gave the seeds different disk fault mixes, each recorded in the trace header', () => {
    expect(mixes).toHaveLength(12)
    expect(mixes.every((line) => line.startsWith('run.attribute key=disk_faults type=text value='))).toBe(true)
    expect(new Set(mixes).size).toBeGreaterThan(8)
  })
})

describe('shards and sweeps', () => {
  it('gives seed i to shard i mod n + 1, every seed to exactly one shard', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i)
    expect(shardSeeds(seeds, null)).toEqual(seeds)
    const shards = [1, 2, 3].map((index) => shardSeeds(seeds, { index, count: 3 }))
    expect(shards).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]])
  })

  it('recognises files that declare a sweep', () => {
    expect(declaresSweep("test.sim.fuzz('x', fn)")).toBe(true)
    expect(declaresSweep('it.sim.fuzz.only ("x", fn)')).toBe(true)
    expect(declaresSweep("test.sim('fuzzy', fn)")).toBe(false)
  })
})

describe('test.extend keeps .sim', () => {
  const withStore = test.extend<{ store: Map<string, string> }>({
    store: async ({}, use) => {
      await use(new Map([['a', '1']]))
    },
  })

  withStore.sim('gets the user fixture and the simulation fixtures', async ({ store, env, check }) => {
    expect(store.get('a')).toBe('1')
    await env.sleep(10)
    check('store kept', () => store.size === 1)
  })

  const twice = withStore.extend<{ doubled: number }>({ doubled: async ({ store }, use) => use(store.size * 2) })
  twice.sim.fuzz('through two extends, in a sweep', ({ doubled, store }) => {
    expect(doubled).toBe(2)
    expect(store.get('a')).toBe('1')
  }, { seeds: 2 })
})

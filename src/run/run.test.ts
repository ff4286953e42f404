import { describe, expect, test } from 'vitest'
import { BudgetExceeded } from '../world/clock.js'
import { SimulationStalled } from '../scheduler/errors.js'
import { expectFailure, expectFuzz, expectPass, fuzzSeeds, InitRecordedTrace, run, runCase, type Case } from './run.js'
import { RunFailure } from './report.js'

interface Counter {
  count: number
  sleep: (ms: number) => Promise<void>
  record: (name: string, fields: Record<string, number>) => void
}

const counterCase = (limit: number): Case<Counter> => ({
  name: 'counter',
  init: (sim) => ({ count: 0, sleep: sim.env.sleep, record: sim.env.record }),
  scenario: async (state) => {
    for (let i = 0; i < 3; i++) {
      await state.sleep(10)
      state.count++
      state.record('counter.add', { count: state.count })
    }
  },
  checks: [{ name: 'count_within_limit', check: (state) => state.count <= limit || `count ${state.count} > ${limit}` }],
})

describe('run', () => {
  test('a passing run reports identical replay and its trace', async () => {
    const report = await runCase(counterCase(5), { seed: 1 })
    expect(report.passed).toBe(true)
    expect(report.replay).toBe('identical')
    expect(report.traceText()).toBe(
      'run.name value=counter\n' +
        'run.attribute key=seed type=int value=1\n' +
        'event=0 counter.add count=1\n' +
        'event=1 counter.add count=2\n' +
        'event=2 counter.add count=3\n' +
        'event=3 check name=count_within_limit passed=true\n' +
        'event=4 world.run_end now_ns=30000000 steps=3 outcome=passed\n',
    )
  })

  test('a failed named check fails the run, by name, with detail', async () => {
    const report = await runCase(counterCase(2), { seed: 1 })
    expect(report.outcome).toBe('check_failed')
    expect(report.failedCheck('count_within_limit')).toBe(true)
    expect(report.failures).toEqual([{ name: 'count_within_limit', detail: 'count 3 > 2' }])
    expect(report.writeSummary()).toMatchInlineSnapshot(`
      "run counter failed (seed 1): check count_within_limit failed
        seed: 1
        outcome: check_failed
        check failed: count_within_limit: count 3 > 2
        replay: identical
        trace: 5 events, 290 bytes, final now_ns=30000000, steps=3
        last 5 of 5 events:
          event=0 counter.add count=1
          event=1 counter.add count=2
          event=2 counter.add count=3
          event=3 check name=count_within_limit passed=false detail=count%203%20>%202
          event=4 world.run_end now_ns=30000000 steps=3 outcome=check_failed
      "
    `)
  })

  test('a nondeterministic scenario is caught: first differing event, lines from both runs', async () => {
    let attempt = 0
    const report = await run(
      async (sim) => {
        attempt++
        sim.env.record('step.one')
        sim.env.record('step.two', { attempt })
        sim.env.record('step.three')
      },
      { seed: 3, name: 'leaky' },
    )
    expect(report.outcome).toBe('nondeterministic')
    expect(report.divergence).toMatchObject({ line: 4, event: 1 })
    const summary = report.writeSummary()
    expect(summary).toContain('replay diverged at trace line 4 (event 1)')
    expect(summary).toContain('> event=1 step.two attempt=1')
    expect(summary).toContain('> event=1 step.two attempt=2')
  })

  test('replay: false runs once', async () => {
    let attempts = 0
    const report = await run(() => void attempts++, { seed: 1, replay: false })
    expect(attempts).toBe(1)
    expect(report.replay).toBe('skipped')
  })

  test('a scenario that throws fails the run with the error in the trace', async () => {
    const report = await run(
      async (sim) => {
        await sim.env.sleep(5)
        throw new TypeError('cannot read the config')
      },
      { seed: 1, name: 'throws' },
    )
    expect(report.outcome).toBe('error')
    expect(report.error).toBeInstanceOf(TypeError)
    expect(report.traceText()).toContain('run.error name=TypeError message=cannot%20read%20the%20config')
    expect(report.traceText()).toContain('world.run_end now_ns=5000000 steps=1 outcome=error')
  })

  test('a stalled scenario fails inside the run with its trace', async () => {
    const report = await run(async (sim) => {
      sim.env.record('before.stall')
      await new Promise(() => {})
    }, { seed: 1 })
    expect(report.error).toBeInstanceOf(SimulationStalled)
    expect(report.replay).toBe('identical')
    expect(report.traceText()).toContain('loop.stalled')
  })

  test('a runaway scenario fails on its step budget, with its trace', async () => {
    const report = await run(async (sim) => {
      for (;;) await sim.env.sleep(1)
    }, { seed: 1, max_steps: 500 })
    expect(report.error).toBeInstanceOf(BudgetExceeded)
    expect(report.steps).toBe(501)
    expect(report.traceText()).toContain('loop.budget_exceeded budget=max_steps now_ns=501000000')
  })

  test('a trace over its size limit fails the run with a clear message', async () => {
    const report = await run(async (sim) => {
      for (let i = 0; ; i++) {
        sim.env.record('spam', { i })
        if (i % 100 === 0) await sim.env.sleep(1)
      }
    }, { seed: 1, max_trace_bytes: 8192 })
    expect(report.outcome).toBe('error')
    expect(String((report.error as Error).message)).toMatch(/size limit of 8192 bytes/)
  })

  test('init may not record trace events', async () => {
    const report = await runCase(
      { name: 'noisy', init: (sim) => sim.env.record('init.noise'), scenario: () => {} },
      { seed: 1 },
    )
    expect(report.error).toBeInstanceOf(InitRecordedTrace)
  })

  test('inline checks and option checks run, failures reported in order', async () => {
    const report = await run(
      (sim) => {
        sim.check('inline_ok', () => true)
        sim.check('inline_bad', () => false)
        sim.check('inline_throws', () => {
          throw new Error('kaput')
        })
      },
      { seed: 1, checks: [{ name: 'after', check: () => 'late detail' }] },
    )
    expect(report.failures.map((f) => [f.name, f.detail])).toEqual([
      ['inline_bad', 'returned false'],
      ['inline_throws', 'threw Error: kaput'],
      ['after', 'late detail'],
    ])
  })
})

describe('expectPass / expectFailure / expectFuzz', () => {
  test('expectPass returns the report or throws a RunFailure with the summary', async () => {
    await expect(expectPass(counterCase(5), { seed: 1 })).resolves.toMatchObject({ outcome: 'passed' })
    const error = await expectPass(counterCase(2), { seed: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RunFailure)
    expect((error as RunFailure).message).toContain('check failed: count_within_limit: count 3 > 2')
    expect((error as RunFailure).writeSummary()).toContain('seed: 1')
  })

  test('expectFailure passes on the named check and rejects other outcomes', async () => {
    await expect(expectFailure(counterCase(2), { seed: 1, check: 'count_within_limit' })).resolves.toBeDefined()
    await expect(expectFailure(counterCase(5), { seed: 1 })).rejects.toThrow(/expected to fail.*but passed/)
    await expect(expectFailure(counterCase(2), { seed: 1, check: 'other' })).rejects.toThrow(/not through check other/)
    let attempt = 0
    await expect(
      expectFailure((sim) => void sim.check('flaky', () => ++attempt === 1), { seed: 1 }),
    ).rejects.toThrow(/not reproducibly/)
  })

  test('expectFuzz sweeps seeds and names every failing seed', async () => {
    const flaky = (sim: import('../sim/simulation.js').Simulation) => {
      sim.check('not_zero_mod_4', () => sim.env.random.intLessThan(4) !== 0)
    }
    const error = await expectFuzz(flaky, { seeds: 40 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RunFailure)
    const message = (error as Error).message
    const failing = /(\d+) of 40 seeds failed \(([\d, ]+)\)/.exec(message)
    expect(failing).not.toBeNull()
    expect(Number(failing?.[1])).toBeGreaterThan(2)
    expect(Number(failing?.[1])).toBeLessThan(25)
    const report = await expectFuzz(counterCase(5), { seeds: [1, '0x2', 'ffffffffffffffffffffffffffffffffffffffff'] })
    expect(report.runs).toBe(3)
    expect(report.failing_seeds).toEqual([])
  })

  test('fuzzSeeds counts up from a base and wraps at 2^64', () => {
    expect(fuzzSeeds(3, '18446744073709551614').map((s) => s.text)).toEqual(['18446744073709551614', '18446744073709551615', '0'])
    expect(() => fuzzSeeds(0)).toThrow(/positive integer/)
    expect(() => fuzzSeeds(2, 'ffffffffffffffffffffffffffffffffffffffff')).toThrow(/u64/)
  })
})

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { run, runCase, type Case, type Scenario } from '../src/run/run.js'
import { marionetteMatchers, registerMatchers } from './index.js'

expect.extend(marionetteMatchers)

interface Counter {
  count: number
  sleep: (ms: number) => Promise<void>
  record: (name: string, fields: Record<string, number | string>) => void
}

const counterCase = (limit: number): Case<Counter> => ({
  name: 'counter',
  init: (sim) => ({ count: 0, sleep: sim.env.sleep, record: sim.env.recordFields }),
  scenario: async (state) => {
    for (let i = 0; i < 3; i++) {
      await state.sleep(10)
      state.count++
      state.record('counter.add', { count: state.count, note: `step ${state.count}` })
    }
  },
  checks: [{ name: 'count_within_limit', check: (state) => state.count <= limit || `count ${state.count} > ${limit}` }],
})

const deterministic: Scenario = (sim) => {
  sim.env.record('draw', { value: sim.env.random.intLessThan(1000) })
}

function nondeterministic(): Scenario {
  let attempt = 0
  return (sim) => {
    attempt++
    sim.env.record('step.one')
    sim.env.record('step.two', { attempt })
  }
}

describe('toReplayIdentically', () => {
  test('passes for a deterministic scenario, case, or { scenario, options }', async () => {
    await expect(deterministic).toReplayIdentically()
    await expect(deterministic).toReplayIdentically({ seed: 7 })
    await expect(counterCase(5)).toReplayIdentically()
    await expect({ scenario: deterministic, options: { seed: 3, replay: false } }).toReplayIdentically()
  })

  test('fails with the first differing event from both runs, and a diff of the region', async () => {
    const error = await expect(nondeterministic()).toReplayIdentically().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    const failure = error as Error & { actual: string; expected: string }
    expect(failure.message).toMatch(/to replay identically/)
    expect(failure.message).toMatch(/replay diverged at trace line \d+ \(event 1\)/)
    expect(failure.message).toContain('first run:\n')
    expect(failure.message).toContain('> event=1 step.two attempt=1')
    expect(failure.message).toContain('> event=1 step.two attempt=2')
    expect(failure.expected).toContain('event=1 step.two attempt=1')
    expect(failure.actual).toContain('event=1 step.two attempt=2')
  })

  test('.not', async () => {
    await expect(nondeterministic()).not.toReplayIdentically()
    await expect(expect(deterministic).not.toReplayIdentically()).rejects.toThrow(
      /not to replay identically, but both runs produced the same trace/,
    )
  })

  test('wrong kind of value', async () => {
    await expect(expect(42).toReplayIdentically()).rejects.toThrow(/toReplayIdentically expects a scenario function .*, got number/)
    const report = await run(deterministic, { seed: 0 })
    await expect(expect(report).toReplayIdentically()).rejects.toThrow(/got RunReport \(a report cannot be run again/)
    await expect(expect({ scenario: 1 }).toReplayIdentically()).rejects.toThrow(/got object with keys \{scenario\}/)
  })
})

describe('toFailCheck', () => {
  test('passes when the named check failed (report or runnable)', async () => {
    const report = await runCase(counterCase(2), { seed: 1 })
    await expect(report).toFailCheck('count_within_limit')
    await expect(counterCase(2)).toFailCheck('count_within_limit')
    await expect((sim: Parameters<Scenario>[0]) => sim.check('always_false', () => false)).toFailCheck('always_false')
  })

  test('fails listing the failed checks and the outcome', async () => {
    await expect(expect(counterCase(5)).toFailCheck('count_within_limit')).rejects.toThrow(
      /expected check count_within_limit to fail, but it did not \(outcome passed; failed checks: none\)/,
    )
    const other = await runCase(counterCase(2), { seed: 1 })
    await expect(expect(other).toFailCheck('another_check')).rejects.toThrow(
      /\(outcome check_failed; failed checks: count_within_limit\)[\s\S]*check failed: count_within_limit: count 3 > 2/,
    )
  })

  test('.not', async () => {
    await expect(counterCase(5)).not.toFailCheck('count_within_limit')
    await expect(expect(counterCase(2)).not.toFailCheck('count_within_limit')).rejects.toThrow(
      /expected check count_within_limit not to fail, but it failed: count 3 > 2/,
    )
  })

  test('wrong kind of value', async () => {
    await expect(expect(42).toFailCheck('x')).rejects.toThrow(
      /toFailCheck expects a RunReport \(from run\/runCase\) or a scenario function .*, got number/,
    )
    await expect(expect('trace').not.toFailCheck('x')).rejects.toThrow(/toFailCheck expects a RunReport .*, got string/)
    await expect(expect(counterCase(2)).toFailCheck(undefined as unknown as string)).rejects.toThrow(
      /toFailCheck expects the name of a check \(a non-empty string\), got undefined/,
    )
  })
})

describe('toPassChecks', () => {
  test('passes for a passing run', async () => {
    await expect(counterCase(5)).toPassChecks()
    await expect(await runCase(counterCase(5), { seed: 2 })).toPassChecks()
  })

  test('fails with the report summary', async () => {
    await expect(expect(counterCase(2)).toPassChecks()).rejects.toThrow(
      /expected run counter to pass, but its outcome is check_failed\n {2}run counter failed \(seed 0\)[\s\S]*last 5 of 5 events:/,
    )
    await expect(expect(nondeterministic()).toPassChecks()).rejects.toThrow(/outcome is nondeterministic[\s\S]*replay diverged/)
  })

  test('.not', async () => {
    await expect(counterCase(2)).not.toPassChecks()
    await expect(expect(counterCase(5)).not.toPassChecks()).rejects.toThrow(/expected run counter \(seed 0\) not to pass, but it passed/)
  })

  test('wrong kind of value', async () => {
    await expect(expect(null).toPassChecks()).rejects.toThrow(/toPassChecks expects a RunReport .*, got null/)
    await expect(expect(new Uint8Array(2)).toPassChecks()).rejects.toThrow(/got Uint8Array/)
    await expect(expect(counterCase(5)).toPassChecks(5 as unknown as { seed: number })).rejects.toThrow(
      /toPassChecks: the options argument must be an object such as \{ seed: 1 \}, got number/,
    )
  })
})

describe('toHaveTraced', () => {
  test('passes when an event with that name and those field values is in the trace', async () => {
    const report = await runCase(counterCase(5), { seed: 1 })
    await expect(report).toHaveTraced('counter.add')
    await expect(report).toHaveTraced('counter.add', { count: 2 })
    // Strings compare as their percent-escaped trace text.
    await expect(report).toHaveTraced('counter.add', { count: 3, note: 'step 3' })
    await expect(report).toHaveTraced('check', { name: 'count_within_limit', passed: true })
    await expect(report).toHaveTraced('world.run_end', { now_ns: 30000000n })
  })

  test('fails showing the closest lines with that event name', async () => {
    const report = await runCase(counterCase(5), { seed: 1 })
    await expect(expect(report).toHaveTraced('counter.add', { count: 4, note: 'step 3' })).rejects.toThrow(
      /to contain counter\.add count=4 note=step%203; closest of 3 counter\.add events:\n {2}event=0 counter\.add count=1 note=step%201\n {2}event=1 .*\n {2}event=2 counter\.add count=3 note=step%203/,
    )
    await expect(expect(report).toHaveTraced('counter.remove')).rejects.toThrow(/no event named counter\.remove in the trace \(5 events\)/)
  })

  test('.not', async () => {
    await expect(counterCase(5)).not.toHaveTraced('counter.add', { count: 4 })
    await expect(expect(counterCase(5)).not.toHaveTraced('counter.add', { count: 1 })).rejects.toThrow(
      /not to contain counter\.add count=1, but it does:\n {2}event=0 counter\.add count=1 note=step%201/,
    )
  })

  test('wrong kind of value', async () => {
    await expect(expect({}).toHaveTraced('x')).rejects.toThrow(/toHaveTraced expects a RunReport .*, got object with keys \{\}/)
    await expect(expect(counterCase(5)).toHaveTraced(3 as unknown as string)).rejects.toThrow(/expects an event name .*got number/)
    await expect(expect(counterCase(5)).toHaveTraced('x', { a: {} as unknown as string })).rejects.toThrow(
      /field a of x must be a string, number, bigint or boolean, got object/,
    )
  })
})

describe('toMatchTraceSnapshot', () => {
  const here = path.dirname(fileURLToPath(import.meta.url))

  test('the counter trace', async () => {
    const file = path.join(here, '__traces__', 'matchers.test.ts', 'toMatchTraceSnapshot_the_counter_trace.trace')
    const committed = existsSync(file)
    await expect(counterCase(5)).toMatchTraceSnapshot()
    // The snapshot is the trace bytes themselves (written at the end of the file's run when new).
    if (committed) expect(readFileSync(file, 'latin1')).toBe((await runCase(counterCase(5), { seed: 0 })).traceText())
  })

  test('a hint names a second snapshot in one test; the seed comes from the options', async () => {
    await expect(deterministic).toMatchTraceSnapshot('seed 5', { seed: 5 })
    await expect(await run(deterministic, { seed: 6 })).toMatchTraceSnapshot('seed 6')
  })

  test('fails with a diff when the trace differs from its snapshot', async ({ task }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marionette-matchers-'))
    try {
      const test_path = path.join(dir, 'fake.test.ts')
      const file = path.join(dir, '__traces__', 'fake.test.ts', 'a_test.trace')
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, 'run.name value=other\n')
      const context = { ...expect.getState(), isNot: false, testPath: test_path, currentTestName: 'a test' }
      const snapshots = expect.getState().snapshotState
      const updating = snapshots.snapshotUpdateState === 'all'
      const result = await marionetteMatchers.toMatchTraceSnapshot.call(context, counterCase(5))
      // The mismatch is deliberate: keep it out of the run's snapshot summary.
      snapshots.clearTest(task.id)
      if (!updating) {
        expect(result.pass).toBe(false)
        expect(result.message()).toMatch(/the trace of run counter \(seed 0\) does not match its snapshot .*a_test\.trace \(update with vitest -u\)/)
        expect(result.expected).toBe('run.name value=other\n')
        expect(result.actual).toContain('event=0 counter.add count=1')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('outside a test', async () => {
    const context = { ...expect.getState(), isNot: false, currentTestName: undefined }
    await expect(marionetteMatchers.toMatchTraceSnapshot.call(context, counterCase(5))).rejects.toThrow(
      /toMatchTraceSnapshot must be called inside a Vitest test/,
    )
  })

  test('wrong kind of value and .not', async () => {
    await expect(expect(1n).toMatchTraceSnapshot()).rejects.toThrow(/toMatchTraceSnapshot expects a RunReport .*, got bigint/)
    await expect(expect(counterCase(5)).not.toMatchTraceSnapshot()).rejects.toThrow(/cannot be used with \.not/)
  })
})

test('registerMatchers extends the given expect with every matcher', () => {
  const seen: unknown[] = []
  registerMatchers({ extend: (matchers) => void seen.push(matchers) })
  expect(seen).toEqual([marionetteMatchers])
  expect(Object.keys(marionetteMatchers).sort()).toEqual(
    ['toFailCheck', 'toHaveTraced', 'toMatchTraceSnapshot', 'toPassChecks', 'toReplayIdentically'],
  )
})

/**
 * The Node conformance suite: every program in conformance/programs.ts runs under
 * real Node (a fresh child process per run) and under the simulator, and the two
 * logs must be equal.
 *
 * CONFORMANCE_REAL_RUNS=20 runs each program that many times under real Node and
 * also asserts that real Node's own order is the same every time (use it after
 * adding a program, to make sure the program is deterministic in Node).
 * CONFORMANCE_CHILDREN=n sets how many real children run at a time.
 */
import { availableParallelism } from 'node:os'
import { beforeAll, describe, expect, test } from 'vitest'
import { limiter, runReal, simulate, type RealRun } from './conformance/harness.js'
import { programs, type Log, type Program } from './conformance/programs.js'
import type { World } from '../world/world.js'

const REAL_RUNS = Math.max(1, Math.trunc(Number(process.env.CONFORMANCE_REAL_RUNS ?? '1')) || 1)
/**
 * Children at a time: at most 4, and no more than the cores. The programs keep their
 * timing margins at 10-20 ms, but an oversubscribed host can stall a real child
 * for longer than that and change real Node's order.
 */
const CHILD_CONCURRENCY =
  Math.trunc(Number(process.env.CONFORMANCE_CHILDREN ?? '0')) || Math.max(1, Math.min(4, availableParallelism()))

const schedule = limiter(CHILD_CONCURRENCY)
const real_runs = new Map<string, Promise<RealRun[]>>()

function realRuns(program: Program): Promise<RealRun[]> {
  let runs = real_runs.get(program.name)
  if (runs === undefined) {
    runs = Promise.all(Array.from({ length: REAL_RUNS }, () => schedule(() => runReal(program))))
    real_runs.set(program.name, runs)
  }
  return runs
}

function byName(name: string): Program {
  const program = programs.find((candidate) => candidate.name === name)
  if (program === undefined) throw new Error(`no conformance program named ${JSON.stringify(name)}`)
  return program
}

/** The program's source rebuilt in the global scope, as the real child sees it. */
function rebuilt(program: Program): Program['run'] {
  return new Function(`"use strict"; return (${program.run.toString()}\n)`)() as Program['run']
}

describe('conformance: the simulator runs each program in the same order as real Node', () => {
  beforeAll(() => {
    // Start every child now (CHILD_CONCURRENCY at a time) so they overlap with the simulated runs.
    for (const program of programs) void realRuns(program)
  })

  test('the suite has at least 36 programs with distinct names', () => {
    expect(programs.length).toBeGreaterThanOrEqual(36)
    expect(new Set(programs.map((program) => program.name)).size).toBe(programs.length)
  })

  test.each(programs)('$name', async (program) => {
    const runs = await realRuns(program)
    const node = runs[0] as RealRun
    const context = `real Node: exit code ${node.exit_code}, stderr:\n${node.stderr}`
    expect(node.failure, context).toBeNull()
    expect(node.exit_code, context).toBe(0)
    expect(node.stderr, context).toBe('')
    expect(node.entries.length).toBeGreaterThan(0)
    for (const [index, other] of runs.entries()) {
      expect(other.entries, `real Node run ${index + 1} of ${runs.length} differs from run 1`).toEqual(node.entries)
    }

    const simulated = await simulate(program.run)
    expect(simulated.failure).toBeNull()
    expect(simulated.entries).toEqual(node.entries)
  })
})

describe('conformance: simulated runs are deterministic and self-contained', () => {
  test.each(programs)('$name', async (program) => {
    const first = await simulate(program.run)
    const second = await simulate(program.run)
    expect(first.failure).toBeNull()
    expect(second.entries).toEqual(first.entries)
    expect(second.world.clock.nowNsText()).toBe(first.world.clock.nowNsText())
    expect(second.loop.steps).toBe(first.loop.steps)
    // Rebuilt from its source text, as the real side runs it: a closure over this
    // module would throw here (ReferenceError) instead of passing.
    const from_source = await simulate(rebuilt(program))
    expect(from_source.failure).toBeNull()
    expect(from_source.entries).toEqual(first.entries)
  })
})

describe('conformance: the simulated clock advances exactly by the simulated delays', () => {
  const timed = (log: Log, world: World): Log => (entry) => log(`${world.clock.nowNsText()} ${entry}`)

  async function timedRun(name: string): Promise<{ entries: string[]; end: string }> {
    const run = await simulate(byName(name).run, { wrapLog: timed })
    expect(run.failure).toBeNull()
    return { entries: run.entries, end: run.world.clock.nowNsText() }
  }

  test('delay coercion: everything below 1 ms (or not a number) is 1 ms, fractions are dropped', async () => {
    const { entries, end } = await timedRun('delay coercion: 0, -5, NaN, 1.7, "10", undefined, null, "abc"')
    expect(entries).toEqual([
      '1000000 1.7',
      '1000000 NaN',
      '1000000 -5',
      '1000000 0',
      '1000000 undefined',
      '1000000 null',
      '1000000 "abc"',
      '1000000 true',
      '10000000 "10" (string)',
      '10000000 10 (number, created after "10")',
      '10000000 10.9 (after "25" in creation)',
      '25000000 "25"',
    ])
    expect(end).toBe('25000000')
  })

  test('refresh re-arms a pending timeout for its full delay from now', async () => {
    const { entries, end } = await timedRun('refresh of a pending timeout')
    expect(entries).toEqual([
      '30000000 refresh t at 30',
      '75000000 marker at 75',
      '90000000 t fires (refreshed at 30, so at 90)',
    ])
    expect(end).toBe('90000000')
  })

  test('an interval fires every period; the run ends at the last ref’d timer', async () => {
    const { entries, end } = await timedRun('interval counted then cleared')
    expect(entries).toEqual([
      '5000000 interval 1',
      '10000000 interval 2',
      '15000000 interval 3',
      '20000000 interval 4',
      '20000000 cleared',
      '45000000 after clear, count 4',
    ])
    expect(end).toBe('45000000')
  })

  test('timers across delay lists, and a timer scheduled from a timer, fire at their exact due times', async () => {
    const { entries, end } = await timedRun('timers firing in due order across delay lists')
    expect(entries).toEqual([
      '0 immediate first',
      '20000000 20',
      '40000000 40',
      '60000000 60',
      '80000000 80 schedules +30',
      '95000000 95',
      '110000000 110',
    ])
    expect(end).toBe('110000000')
  })

  test("an unref'd timer does not move the clock past the last ref'd one", async () => {
    const { entries, end } = await timedRun("unref'd timer does not keep the program alive")
    expect(entries).toEqual([
      '0 hasRef after unref: false',
      '4000000 unref interval fires while the program is alive',
      '25000000 ref timer at 25 ran',
      '40000000 unref-then-ref timer at 40 ran',
    ])
    expect(end).toBe('40000000')
  })
})

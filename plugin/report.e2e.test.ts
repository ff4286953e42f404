/**
 * Sweeps, shards, the failing-seed memory, runaway simulations and the
 * reporters, end to end: a separate Vitest runs `fixtures/vitest-report/`
 * (which loads the built plugin from `dist/`, as a user would) and this file
 * checks exit codes, outputs, report files and traces. Needs `npm run build`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { requireBuild, runNode, shown, type ChildResult } from './e2e_support.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const APP = join(ROOT, 'fixtures/vitest-report')
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const STATE = join(APP, '.marionette')
const TRACES = join(STATE, 'traces')
const MEMORY = join(STATE, 'failures.json')

function node(args: readonly string[], extra_env: Record<string, string> = {}): Promise<ChildResult> {
  return runNode(APP, args, extra_env)
}

function vitest(args: readonly string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return node([VITEST, 'run', ...args], env)
}

function traceFiles(): string[] {
  return existsSync(TRACES) ? readdirSync(TRACES).sort() : []
}

/** The `replay:` command of the seed reporter's block, split into its variable and Vitest arguments. */
function replayOf(output: string): { line: string; env: Record<string, string>; args: string[] } {
  const line = output.split('\n').map((text) => text.trim()).find((text) => /^replay: MARIONETTE_(?:REPLAY_)?SEED=/.test(text))
  if (line === undefined) throw new Error(`no replay: line in\n${output}`)
  const match = /^replay: (MARIONETTE_(?:REPLAY_)?SEED)=(\S+) npx vitest run (\S+) -t "((?:[^"\\]|\\.)*)"$/.exec(line)
  if (match === null) throw new Error(`not a replay line: ${line}`)
  return { line, env: { [match[1]!]: match[2]! }, args: [match[3]!, '-t', match[4]!.replace(/\\([\\"$`])/g, '$1')] }
}

interface JsonReport {
  testResults: { name: string; assertionResults: { title: string; fullName: string; status: string; meta: Record<string, any> }[] }[]
}

function readJson(path: string): JsonReport['testResults'][number]['assertionResults'] {
  const report = JSON.parse(readFileSync(path, 'utf8')) as JsonReport
  return report.testResults.flatMap((file) => file.assertionResults.map((test) => ({ ...test, file: file.name })))
}

beforeAll(() => {
  requireBuild(ROOT, ['dist/plugin/vitest.js', 'dist/plugin/vitest.d.ts', 'dist/src/platform/index.js'])
  rmSync(STATE, { recursive: true, force: true })
})

describe('a runaway simulation', () => {
  it('fails inside the test body by its own budget, with its trace, long before the test timeout', async () => {
    const result = await vitest(['src/runaway.test.ts'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.stdout, shown(result)).toMatch(/Tests\s+2 failed \(2\)/)
    expect(result.output).not.toContain('Test timed out')
    expect(result.output, shown(result)).toContain('BudgetExceeded: the run took more than 20000 steps')
    expect(result.output, shown(result)).toContain('BudgetExceeded: the run would pass its simulated time budget of 3600000000000 ns')
    // The failure points at the test's own line (what GitHub Actions and the code frame use), not at the library.
    expect(result.output, shown(result)).toMatch(/❯ src\/runaway\.test\.ts:3:\d+/)
    expect(result.output, shown(result)).not.toMatch(/❯ .*plugin\/sim_run/)
    const traces = traceFiles().filter((name) => name.startsWith('a_busy_loop') || name.startsWith('an_interval'))
    expect(traces).toHaveLength(2)
    expect(readFileSync(join(TRACES, traces[0]!), 'latin1')).toContain('loop.budget_exceeded budget=max_steps')
  })
})

describe('test.sim.fuzz', () => {
  it('splits a sweep across --shard=i/n: every seed once, on one shard; the file\'s other tests once', async () => {
    const whole = join(mkdtempSync(join(tmpdir(), 'marionette-shards-')), 'whole.json')
    const unsharded = await vitest(['src/sweep.test.ts', 'src/other.test.ts', '--reporter=json', `--outputFile.json=${whole}`])
    expect(unsharded.code, shown(unsharded)).toBe(0)
    const all_seeds = readJson(whole).find((test) => test.title.startsWith('deduplicated'))!.meta['marionette_fuzz'].seeds_run as string[]
    expect(all_seeds).toHaveLength(12)

    const seen: string[] = []
    const ran: string[] = []
    // Vitest wants at least as many files as shards: types.test.ts (which passes) is the third.
    for (const index of [1, 2, 3]) {
      const out = join(tmpdir(), `marionette-shard-${process.pid}-${index}.json`)
      const shard = await vitest([`--shard=${index}/3`, 'src/sweep.test.ts', 'src/other.test.ts', 'src/types.test.ts', '--reporter=json', `--outputFile.json=${out}`])
      expect(shard.code, shown(shard)).toBe(0)
      for (const test of readJson(out)) {
        if (test.status === 'passed') ran.push(test.fullName)
        const fuzz = test.meta['marionette_fuzz']
        if (fuzz !== undefined && test.title.startsWith('deduplicated')) {
          expect(fuzz.shard).toBe(`${index}/3`)
          expect(fuzz.seeds_run).toHaveLength(4)
          seen.push(...(fuzz.seeds_run as string[]))
        }
      }
      rmSync(out, { force: true })
    }
    expect([...seen].sort()).toEqual([...all_seeds].sort())
    // The sweep ran on every shard; every other test exactly once over the three.
    expect(ran.filter((name) => name.startsWith('deduplicated'))).toHaveLength(3)
    for (const name of ["a simulated test beside a sweep runs once, on its file's shard", "a plain test beside a sweep runs once, on its file's shard", 'plain arithmetic']) {
      expect(ran.filter((ran_name) => ran_name === name), name).toHaveLength(1)
    }
  })

  it('names every failing seed, replays the first, and its replay: line reproduces that seed\'s trace byte for byte', async () => {
    rmSync(TRACES, { recursive: true, force: true })
    const result = await vitest(['src/sweep_bug.test.ts'], { SWEEP_BUG: '1' })
    expect(result.code, shown(result)).toBe(1)
    const failing = /(\d+) of 12 seeds failed \(([\d, ]+)\); first: /.exec(result.output)
    expect(failing, shown(result)).not.toBeNull()
    const seeds = failing![2]!.split(', ')
    expect(seeds).toHaveLength(Number(failing![1]))
    expect(result.output).toContain('  replay: identical')
    const replay = replayOf(result.output)
    expect(replay.env).toEqual({ MARIONETTE_REPLAY_SEED: seeds[0] })
    const [trace] = traceFiles()
    expect(trace).toMatch(new RegExp(`-${seeds[0]}\\.trace$`))
    const first_bytes = readFileSync(join(TRACES, trace!))

    rmSync(TRACES, { recursive: true, force: true })
    const replayed = await vitest(replay.args, { ...replay.env, SWEEP_BUG: '1' })
    expect(replayed.code, shown(replayed)).toBe(1)
    expect(replayed.output, shown(replayed)).toContain(`1 of 1 seeds failed (${seeds[0]}); first: `)
    expect(traceFiles()).toEqual([trace])
    expect(readFileSync(join(TRACES, trace!)).equals(first_bytes)).toBe(true)
  })
})

describe('failing-seed memory', () => {
  it('remembers a failing seed, runs it first until it passes, then forgets it', async () => {
    rmSync(MEMORY, { force: true })
    const key = 'src/memory.test.ts > retried deposits are applied once'
    const failed = await vitest(['src/memory.test.ts'], { LEDGER_BUG: '1' })
    expect(failed.code, shown(failed)).toBe(1)
    const seed = /retried deposits are applied once \(seed (\d+)\)/.exec(failed.output)?.[1]
    expect(seed, shown(failed)).toBeDefined()
    expect(JSON.parse(readFileSync(MEMORY, 'utf8')).tests).toEqual({ [key]: [seed] })

    // Another run seed, bug still there: the remembered seed runs first and fails again.
    const again = await vitest(['src/memory.test.ts'], { LEDGER_BUG: '1', MARIONETTE_SEED: '5' })
    expect(again.code, shown(again)).toBe(1)
    expect(again.output, shown(again)).toContain(`remembered failing seed ${seed} (from .marionette/failures.json) still fails`)
    expect(replayOf(again.output).env).toEqual({ MARIONETTE_REPLAY_SEED: seed })

    // Fixed: the remembered seed runs first, passes, and is forgotten.
    const out = join(tmpdir(), `marionette-memory-${process.pid}.json`)
    const fixed = await vitest(['src/memory.test.ts', '--reporter=json', `--outputFile.json=${out}`], { MARIONETTE_SEED: '5' })
    expect(fixed.code, shown(fixed)).toBe(0)
    const [test] = readJson(out)
    rmSync(out, { force: true })
    expect(test!.meta['marionette_memory'].passed).toEqual([seed, test!.meta['marionette_seed']])
    expect(JSON.parse(readFileSync(MEMORY, 'utf8')).tests).toEqual({})
  })
})

describe('the reporters', () => {
  it('default, verbose, JSON, JUnit, TAP and GitHub Actions each carry the seed, the failure and the trace or its replay', async () => {
    rmSync(TRACES, { recursive: true, force: true })
    rmSync(MEMORY, { force: true })
    const folder = mkdtempSync(join(tmpdir(), 'marionette-reporters-'))
    const result = await vitest(
      [
        'src/runaway.test.ts',
        '-t',
        'busy loop',
        '--reporter=verbose',
        '--reporter=json',
        `--outputFile.json=${join(folder, 'report.json')}`,
        '--reporter=junit',
        `--outputFile.junit=${join(folder, 'junit.xml')}`,
        '--reporter=tap',
        '--reporter=github-actions',
      ],
      { GITHUB_ACTIONS: 'true' },
    )
    expect(result.code, shown(result)).toBe(1)
    const name = 'a busy loop of immediates is stopped by the step budget'
    const seed = /\(seed (\d+)\)/.exec(result.output)![1]!
    const replay = `replay: MARIONETTE_SEED=0 npx vitest run src/runaway.test.ts -t "^${name}\\$"`
    // verbose (and default): the failure, the annotation, and the seed reporter's block.
    expect(result.stdout, shown(result)).toContain(`× src/runaway.test.ts > ${name}`)
    expect(result.stdout).toContain(`↳ marionette trace seed ${seed}`)
    expect(result.stdout).toContain(`[marionette-sim] 1 simulated test, run seed 0 (default)`)
    expect(result.stdout).toContain(`  FAIL src/runaway.test.ts > ${name} (seed ${seed})`)
    expect(result.stdout).toContain(`    ${replay}`)
    // JSON: the seed, the replay command and the trace file in the test's meta.
    const [json] = readJson(join(folder, 'report.json')).filter((test) => test.title === name)
    expect(json!.meta['marionette_seed']).toBe(seed)
    expect(json!.meta['marionette_failure']).toEqual({
      seed,
      headline: expect.stringContaining(`failed (seed ${seed}): BudgetExceeded`),
      replay: replay.slice('replay: '.length),
      trace_file: `.marionette/traces/a_busy_loop_of_immediates_is_stopped_by_the_step_budget-${seed}.trace`,
    })
    expect(existsSync(join(APP, json!.meta['marionette_failure'].trace_file))).toBe(true)
    // JUnit: the annotation as a property, the summary and replay line in the failure.
    const junit = readFileSync(join(folder, 'junit.xml'), 'utf8')
    expect(junit).toContain(`<property name="marionette.trace" value="marionette trace seed ${seed}">`)
    expect(junit).toContain('event=0 loop.budget_exceeded budget=max_steps now_ns=0')
    expect(junit).toContain(replay.replace(/"/g, '&quot;'))
    // TAP: the annotation as a comment, the failure.
    expect(result.stdout).toContain(`# marionette.trace: marionette trace seed ${seed}`)
    expect(result.stdout).toMatch(new RegExp(`not ok \\d+ - ${name}`))
    // GitHub Actions: an error annotation at the test's line, with the replay command.
    const github = result.stdout.split('\n').find((line) => line.startsWith('::error file='))
    expect(github, shown(result)).toBeDefined()
    expect(github).toContain('runaway.test.ts,title=src/runaway.test.ts > a busy loop of immediates is stopped by the step budget,line=3,')
    expect(github).toContain('replay: MARIONETTE_SEED=0 npx vitest run src/runaway.test.ts')
    rmSync(folder, { recursive: true, force: true })
  })
})

describe('types', () => {
  it('tsc --noEmit passes on a test file that uses every fixture, matcher, option and .sim on test.extend', async () => {
    const result = await node([TSC, '-p', 'tsconfig.json'])
    expect(result.code, shown(result)).toBe(0)
  })
})

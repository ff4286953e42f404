/**
 * `test.sim` end to end: a separate Vitest runs `fixtures/vitest-sim/` (which
 * loads the built plugin and `test` from `dist/plugin/vitest.js`, as a user
 * would) in that folder, and this file checks counts, exit codes, the failure
 * report, the trace files and the replay command. Needs `npm run build` first
 * (`npm test` does it).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { requireBuild, runNode, shown, type ChildResult } from './e2e_support.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const APP = join(ROOT, 'fixtures/vitest-sim')
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const TRACES = join(APP, '.marionette/traces')
const FAILING = 'does not serve an entry at its expiry instant'

function node(args: readonly string[], extra_env: Record<string, string> = {}): Promise<ChildResult> {
  return runNode(APP, args, extra_env)
}

function vitest(args: readonly string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return node([VITEST, 'run', ...args], env)
}

/** The single trace file written by a run (after clearing the folder). */
function onlyTrace(): { name: string; bytes: Buffer } {
  const files = existsSync(TRACES) ? readdirSync(TRACES).sort() : []
  expect(files).toHaveLength(1)
  const name = files[0]!
  return { name, bytes: readFileSync(join(TRACES, name)) }
}

/** Splits a `replay:` command (`VAR=value npx vitest run <args>`) into its variable and Vitest arguments. */
function parseReplay(line: string): { env: Record<string, string>; args: string[] } {
  const match = /^replay: (MARIONETTE_SEED)=(\S+) npx vitest run (\S+) -t "((?:[^"\\]|\\.)*)"$/.exec(line)
  if (match === null) throw new Error(`not a replay line: ${line}`)
  const unquoted = match[4]!.replace(/\\([\\"$`])/g, '$1')
  return { env: { [match[1]!]: match[2]! }, args: [match[3]!, '-t', unquoted] }
}

function replayLine(output: string): string {
  const line = output.split('\n').find((text) => text.startsWith('replay: MARIONETTE_SEED='))
  if (line === undefined) throw new Error('no replay: line in the output')
  return line
}

beforeAll(() => {
  requireBuild(ROOT, ['dist/plugin/vitest.js', 'dist/plugin/vitest.d.ts', 'dist/src/platform/index.js'])
})

describe('test.sim in fixtures/vitest-sim', () => {
  it('runs passing and failing simulated tests, skips and todos, and reports the failure with its seed, check, trace and replay line', async () => {
    rmSync(TRACES, { recursive: true, force: true })
    const result = await vitest([])
    expect(result.code, shown(result)).toBe(1)
    expect(result.stdout, shown(result)).toMatch(/Tests\s+1 failed \| 2 passed \| 1 skipped \| 1 todo \(5\)/)
    const output = result.output
    expect(output, shown(result)).toContain(`FAIL  src/expiry.test.ts > ${FAILING}`)
    expect(output, shown(result)).toMatch(/SimulationFailed: run does_not_serve_an_entry_at_its_expiry_instant failed \(seed \d+\): check expired-entry-not-served failed/)
    expect(output, shown(result)).toMatch(/ {2}seed: \d+\n/)
    expect(output, shown(result)).toContain('  check failed: expired-entry-not-served: served 1 at ')
    expect(output, shown(result)).toContain('  replay: identical')
    expect(output, shown(result)).toContain(`replay: MARIONETTE_SEED=0 npx vitest run src/expiry.test.ts -t "^${FAILING}\\$"`)
    // The trace is attached to the failed test (shown by the default reporter) and written to .marionette/traces/.
    expect(output, shown(result)).toContain('↳ marionette trace')
    const seed = /\(seed (\d+)\)/.exec(output)![1]!
    const trace = onlyTrace()
    expect(trace.name).toBe(`does_not_serve_an_entry_at_its_expiry_instant-${seed}.trace`)
    expect(trace.bytes.toString('latin1')).toContain('check name=expired-entry-not-served passed=false')
    expect(output, shown(result)).toContain(`trace: .marionette/traces/${trace.name}`)
  })

  it('the same seed writes the same trace bytes, and the printed replay command reproduces them exactly, alone', async () => {
    rmSync(TRACES, { recursive: true, force: true })
    const first = await vitest([], { MARIONETTE_SEED: '12648430' })
    expect(first.code, shown(first)).toBe(1)
    const first_trace = onlyTrace()

    rmSync(TRACES, { recursive: true, force: true })
    const second = await vitest([], { MARIONETTE_SEED: '12648430' })
    expect(second.code, shown(second)).toBe(1)
    const second_trace = onlyTrace()
    expect(second_trace.name).toBe(first_trace.name)
    expect(second_trace.bytes.equals(first_trace.bytes)).toBe(true)

    const line = replayLine(first.output)
    expect(line).toContain('MARIONETTE_SEED=12648430 ')
    const replay = parseReplay(line)
    rmSync(TRACES, { recursive: true, force: true })
    const replayed = await vitest(replay.args, replay.env)
    expect(replayed.code, shown(replayed)).toBe(1)
    expect(replayed.stdout, shown(replayed)).toMatch(/Tests\s+1 failed \(1\)/)
    expect(replayLine(replayed.output)).toBe(line)
    const replayed_trace = onlyTrace()
    expect(replayed_trace.name).toBe(first_trace.name)
    expect(replayed_trace.bytes.equals(first_trace.bytes)).toBe(true)
  })

  it('derives each seed from the run seed and the full name: -t runs one test with the seed it had in the full run; --sequence.seed and MARIONETTE_SEED change it', async () => {
    const full = await vitest([], { MARIONETTE_SEED: '7' })
    const seed_in_full = /\(seed (\d+)\)/.exec(full.output)?.[1]
    const filtered = await vitest(['-t', 'at its expiry'], { MARIONETTE_SEED: '7' })
    expect(filtered.stdout, shown(filtered)).toMatch(/Tests\s+1 failed \| 4 skipped \(5\)/)
    expect(/\(seed (\d+)\)/.exec(filtered.output)?.[1], shown(filtered)).toBe(seed_in_full)

    const passing = await vitest(['-t', 'sweeps'])
    expect(passing.code, shown(passing)).toBe(0)
    expect(passing.stdout, shown(passing)).toMatch(/Tests\s+1 passed \| 4 skipped \(5\)/)

    const sequence = await vitest(['--sequence.seed', '7', '-t', 'at its expiry'])
    expect(/\(seed (\d+)\)/.exec(sequence.output)?.[1], shown(sequence)).toBe(seed_in_full)
    expect(replayLine(sequence.output), shown(sequence)).toContain('MARIONETTE_SEED=7 ')
    // The environment wins over --sequence.seed.
    const both = await vitest(['--sequence.seed', '7', '-t', 'at its expiry'], { MARIONETTE_SEED: '8' })
    expect(/\(seed (\d+)\)/.exec(both.output)?.[1], shown(both)).not.toBe(seed_in_full)
    expect(replayLine(both.output), shown(both)).toContain('MARIONETTE_SEED=8 ')
  })

  it('fails every simulated test with a clear error for a malformed MARIONETTE_SEED', async () => {
    const result = await vitest([], { MARIONETTE_SEED: 'abc' })
    expect(result.code, shown(result)).toBe(1)
    expect(result.stdout, shown(result)).toMatch(/Tests\s+3 failed \| 1 skipped \| 1 todo \(5\)/)
    expect(result.output, shown(result)).toContain('InvalidRunSeed: MARIONETTE_SEED: invalid seed "abc": not a recognised form. A seed is a decimal unsigned 64-bit integer')
  })

  it('runs the examples in docs/vitest.md as written (with the package import pointed at the build)', async () => {
    const docs = readFileSync(join(ROOT, 'docs/vitest.md'), 'utf8')
    const blocks = [...docs.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!)
    expect(blocks.length).toBeGreaterThanOrEqual(2)
    const files = blocks.map((block, index) => {
      const file = join(APP, `src/docs_example_${index}.test.js`)
      writeFileSync(file, block.replace("from 'marionette-sim/vitest'", "from '../../../dist/plugin/vitest.js'"))
      return file
    })
    try {
      const result = await vitest(files.map((file) => file.slice(APP.length + 1)))
      expect(result.code, shown(result)).toBe(0)
      expect(result.stdout, shown(result)).toMatch(new RegExp(`Tests\\s+${blocks.length} passed \\(${blocks.length}\\)`))
    } finally {
      for (const file of files) rmSync(file, { force: true })
    }
  })

  it('type-checks a test file that uses test.sim and every fixture, against the built declarations', async () => {
    const result = await node([TSC, '-p', 'tsconfig.json'])
    expect(result.code, shown(result)).toBe(0)
  })
})

// In this file rather than beside src/cli/test_command.ts: both use this fixture's trace folder, and
// tests in one file run one after another.
describe('npx marionette test on fixtures/vitest-sim', () => {
  const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')

  it('--seed runs Vitest with that run seed, prints it, and matches MARIONETTE_SEED with plain Vitest byte for byte', async () => {
    rmSync(TRACES, { recursive: true, force: true })
    const ours = await node([CLI, 'test', '-t', FAILING, '--seed', '0xC0FFEE'])
    expect(ours.code, shown(ours)).toBe(1)
    expect(ours.stderr, shown(ours)).toContain('[marionette-sim] run seed 12648430 (from --seed)')
    expect(ours.stdout, shown(ours)).toMatch(/Tests\s+1 failed \| 4 skipped \(5\)/)
    const ours_trace = onlyTrace()

    rmSync(TRACES, { recursive: true, force: true })
    const plain = await vitest(['-t', FAILING], { MARIONETTE_SEED: '12648430' })
    expect(plain.code, shown(plain)).toBe(1)
    const plain_trace = onlyTrace()
    expect(plain_trace.name).toBe(ours_trace.name)
    expect(plain_trace.bytes.equals(ours_trace.bytes)).toBe(true)
  })

  it('a passing selection exits 0; an invalid seed is a usage error before Vitest starts', async () => {
    const passing = await node([CLI, 'test', '-t', 'sweeps'])
    expect(passing.code, shown(passing)).toBe(0)
    expect(passing.stderr).toContain('[marionette-sim] run seed 0 (the default')
    const invalid = await node([CLI, 'test', '--seed', '12x'])
    expect(invalid.code, shown(invalid)).toBe(2)
    expect(invalid.stderr).toContain('invalid seed "12x"')
    expect(invalid.stdout).toBe('')
  })
})

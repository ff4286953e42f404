import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TestCase } from 'vitest/node'
import { parseSeed } from '../src/world/seed.js'
import { FAILURES_FILE } from './failure_memory.js'
import { SeedReporter } from './seed_reporter.js'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
  vi.restoreAllMocks()
})

/** The parts of a Vitest TestCase the reporter reads. */
function testCase(root: string, name: string, meta: Record<string, unknown>, state: 'passed' | 'failed'): TestCase {
  return {
    meta: () => meta,
    project: { name: name.startsWith('e2e') ? 'e2e' : 'unit', config: { root } },
    result: () => ({ state }),
    module: { relativeModuleId: 'src/a.test.ts' },
    fullName: name,
  } as unknown as TestCase
}

describe('the seed reporter', () => {
  it('prints the run seed and each failure, and writes one memory file for projects that share a root', () => {
    const root = mkdtempSync(join(tmpdir(), 'marionette-reporter-'))
    roots.push(root)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const reporter = new SeedReporter({ seed: parseSeed(7), source: 'env' }, true)
    reporter.addProject(root, { 'src/a.test.ts > old': ['1'] })
    reporter.addProject(root, { 'src/a.test.ts > old': ['1'] })
    reporter.onTestRunStart()
    const failure = { seed: '5', headline: 'run x failed (seed 5): check y failed', replay: 'MARIONETTE_SEED=7 npx vitest run src/a.test.ts -t "^x$"', trace_file: '.marionette/traces/x-5.trace' }
    reporter.onTestCaseResult(testCase(root, 'unit x', { marionette_seed: '5', marionette_failure: failure, marionette_memory: { key: 'src/a.test.ts > x', failed: ['5'], passed: [] } }, 'failed'))
    reporter.onTestCaseResult(testCase(root, 'e2e old', { marionette_seed: '9', marionette_memory: { key: 'src/a.test.ts > old', failed: [], passed: ['1', '9'] } }, 'passed'))
    reporter.onTestRunEnd([])
    expect(log.mock.calls.map((call) => String(call[0])).join('\n')).toBe(
      [
        '[marionette-sim] 2 simulated tests, run seed 7 (MARIONETTE_SEED)',
        '  FAIL src/a.test.ts > unit x (seed 5)',
        '    run x failed (seed 5): check y failed',
        '    trace: .marionette/traces/x-5.trace',
        '    replay: MARIONETTE_SEED=7 npx vitest run src/a.test.ts -t "^x$"',
      ].join('\n'),
    )
    // Both projects' updates in the one file: the new failure kept, the old seed forgotten.
    expect(JSON.parse(readFileSync(join(root, FAILURES_FILE), 'utf8')).tests).toEqual({ 'src/a.test.ts > x': ['5'] })
  })
})

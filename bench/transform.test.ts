import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  buildVitestCodeBase,
  builtPluginDir,
  collectFiles,
  measureCold,
  measureWarm,
  outcome,
  runVitest,
  THROUGHPUT_PACKAGES,
  type CodeBase,
  type FileSet,
} from './transform.js'
import { findPackageRoot, median } from './harness.js'

// The transform benchmark's harness on a handful of files: no timing assertions, only that each
// measuring function runs and reports what it measured.
const root = findPackageRoot()
const built = existsSync(path.join(builtPluginDir(root), 'transform.js')) && existsSync(path.join(builtPluginDir(root), 'vitest.js'))

function handful(): FileSet {
  return collectFiles([path.join(root, 'node_modules', 'magic-string', 'dist'), path.join(root, 'node_modules', 'pure-rand')], ['magic-string', 'pure-rand'])
}

describe('transform benchmark', () => {
  test('the file set: scripts only, no declarations, nested node_modules left out, sizes summed', () => {
    const set = handful()
    expect(set.files.length).toBeGreaterThan(3)
    for (const file of set.files) {
      expect(file.path).toMatch(/\.[cm]?js$/)
      expect(file.path).not.toMatch(/\.d\.[cm]?ts$/)
      expect(file.path.slice(root.length)).not.toMatch(/node_modules.*node_modules/)
    }
    expect(new Set(set.files.map((file) => file.group))).toEqual(new Set(['magic-string', 'pure-rand']))
    expect(set.bytes).toBe(set.files.reduce((sum, file) => sum + file.bytes, 0))
    // The default set's folders are all installed.
    for (const name of THROUGHPUT_PACKAGES) expect(existsSync(path.join(root, 'node_modules', name)), name).toBe(true)
  })

  test('median', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(() => median([])).toThrow(RangeError)
  })

  test('warm: the transform runs over every file each pass and reports ms per MB', async () => {
    const set = handful()
    const warm = await measureWarm(set, { passes: 2, warmup: 1 })
    expect(warm.pass_ms).toHaveLength(2)
    expect(warm.ms_per_mb).toBeGreaterThan(0)
    // magic-string's bundles call no redirected global; pure-rand's neither: the count is what it is,
    // but never more than the files.
    expect(warm.changed).toBeLessThanOrEqual(set.files.length)
    expect(Object.keys(warm.groups).sort()).toEqual(['magic-string', 'pure-rand'])
  })

  test.skipIf(!built)('cold: a fresh process loads the built transform and transforms the set once', () => {
    const set = handful()
    const cold = measureCold(set, { reps: 1 })
    expect(cold.runs).toHaveLength(1)
    expect(cold.load_ms).toBeGreaterThan(0)
    expect(cold.ms_per_mb).toBeGreaterThanOrEqual(cold.ms_per_mb_excluding_load)
  })

  describe.skipIf(!built)('the Vitest code base', () => {
    // A few of later's test files (and all of memory-cache's and timekeeper's): the real suites'
    // shape at a fraction of the run time.
    const few = new Set(['test/core/compile-test.js', 'test/array/sort-test.js', 'test/constraint/runner.js', 'test/constraint/hour-test.js'])
    let dir = ''
    let code_base: CodeBase
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'marionette-bench-test-'))
      code_base = buildVitestCodeBase(dir, { root, keep: (name, file) => name !== 'later' || few.has(file) })
    })
    afterAll(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true })
    })

    test('is written: the tests, the shim, the reporter, the config, node_modules linked', () => {
      expect(code_base.test_files).toBe(6) // 3 of later, memory-cache's, timekeeper's, the probe
      expect(code_base.library_files).toBe(4)
      expect(readdirSync(dir).sort()).toEqual(['count_reporter.mjs', 'mocha_shim.cjs', 'node_modules', 'test', 'vitest.config.mjs'])
    })

    test('runs under Vitest with and without the plugin, with the same outcome, transformed only with it', () => {
      const without = runVitest(code_base, 'without', { root })
      const with_plugin = runVitest(code_base, 'with', { root })
      // The probe test fails in a run whose simulated packages were (not) transformed when they should (not) be.
      expect(without.failures).toEqual([])
      expect(outcome(with_plugin)).toBe(outcome(without))
      expect(without.test_files).toBe(6)
      expect(without.passed).toBeGreaterThan(100)
      expect(with_plugin.wall_ms).toBeGreaterThan(0)
    })
  })
})

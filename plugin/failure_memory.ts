/**
 * Failing-seed memory: `.marionette/failures.json` in the project root keeps
 * the seeds that failed, per simulated test, and `test.sim` / `test.sim.fuzz`
 * run them first the next time that test runs, until they pass (as
 * Hypothesis's example database does).
 *
 * Only the main process touches the file: the plugin reads it when Vitest
 * starts and hands each worker its entries (`provide`); workers report which
 * remembered or new seeds failed or passed in `task.meta`; the seed reporter
 * writes the updated file when the run ends. Workers never race on it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The file, relative to the project root. */
export const FAILURES_FILE = join('.marionette', 'failures.json')

/** At most this many seeds are remembered per test (the oldest are dropped first). */
export const MAX_REMEMBERED_SEEDS_PER_TEST = 16

/** Remembered failing seeds (canonical seed text) by test key. */
export type FailureMemory = Record<string, string[]>

/** What one test reports about its seeds, through `task.meta.marionette_memory`. */
export interface MemoryUpdate {
  /** The test's key in the file. */
  readonly key: string
  /** Seeds that failed this time (kept, or added). */
  readonly failed: readonly string[]
  /** Seeds that passed this time (removed). */
  readonly passed: readonly string[]
}

/** A test's key: its file relative to the project root (POSIX separators), then its full name. */
export function memoryKey(relative_file: string, full_name: string): string {
  return `${relative_file.split('\\').join('/')} > ${full_name}`
}

interface FileShape {
  readonly version: 1
  readonly comment: string
  readonly tests: FailureMemory
}

const COMMENT = 'Seeds that failed, per simulated test; each runs first until it passes. Written by marionette-sim.'

/** Reads the memory; a missing file is empty; a damaged one is reported (the run goes on without it). */
export function readFailureMemory(root: string, warn: (message: string) => void): FailureMemory {
  const path = join(root, FAILURES_FILE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return {}
  }
  try {
    const parsed = JSON.parse(text) as Partial<FileShape>
    const tests = parsed.tests
    if (parsed.version !== 1 || typeof tests !== 'object' || tests === null) throw new Error('expected { "version": 1, "tests": { ... } }')
    const memory: FailureMemory = {}
    for (const [key, seeds] of Object.entries(tests)) {
      if (!Array.isArray(seeds) || !seeds.every((seed) => typeof seed === 'string')) throw new Error(`entry ${JSON.stringify(key)} is not a list of seeds`)
      memory[key] = [...seeds]
    }
    return memory
  } catch (error) {
    warn(`[marionette-sim] ignoring ${path}: ${error instanceof Error ? error.message : String(error)}; delete it, or fix it by hand`)
    return {}
  }
}

/** Applies the updates; returns the new memory (entries with no seeds removed, keys sorted). */
export function applyMemoryUpdates(memory: FailureMemory, updates: readonly MemoryUpdate[]): FailureMemory {
  const next = new Map<string, string[]>(Object.entries(memory).map(([key, seeds]) => [key, [...seeds]]))
  for (const update of updates) {
    let seeds = (next.get(update.key) ?? []).filter((seed) => !update.passed.includes(seed))
    for (const seed of update.failed) if (!seeds.includes(seed)) seeds.push(seed)
    if (seeds.length > MAX_REMEMBERED_SEEDS_PER_TEST) seeds = seeds.slice(seeds.length - MAX_REMEMBERED_SEEDS_PER_TEST)
    if (seeds.length === 0) next.delete(update.key)
    else next.set(update.key, seeds)
  }
  const sorted: FailureMemory = {}
  for (const key of [...next.keys()].sort()) sorted[key] = next.get(key)!
  return sorted
}

/** Writes the memory atomically; removes nothing when it is empty but the file never existed. */
export function writeFailureMemory(root: string, memory: FailureMemory): string {
  const path = join(root, FAILURES_FILE)
  mkdirSync(dirname(path), { recursive: true })
  const body: FileShape = { version: 1, comment: COMMENT, tests: memory }
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`)
  renameSync(temporary, path)
  return path
}

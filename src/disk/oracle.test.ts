import { describe, expect, test } from 'vitest'
import { generateCase, runCase } from './oracle/run_case.js'

/**
 * The crash-consistency oracle: random operation sequences with random crash points and
 * fault classes, each checked step by step against the reference model (oracle/model.ts)
 * and at every crash against the documented crash semantics (oracle/check.ts, docs/disk.md),
 * then replayed to check the trace is byte-identical.
 */
const CASES = 10_000

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

describe('crash-consistency oracle', () => {
  test(`${CASES} generated cases match the model, and replay byte for byte`, () => {
    const failures: string[] = []
    const outcomes = new Map<string, number>()
    let crashes = 0
    for (let i = 1; i <= CASES && failures.length < 5; i++) {
      const c = generateCase(String(i))
      crashes += c.steps.filter((step) => step.t === 'crash').length
      const checked = runCase(c, true)
      if (checked.failure !== null) {
        failures.push(`seed ${c.seed} (sector ${c.sector_size}, faults ${Object.keys(c.faults).join(',') || 'none'}): ${checked.failure}`)
        continue
      }
      for (const match of Buffer.from(checked.trace).toString('latin1').matchAll(/disk\.(crash_write|crash_dir_entry) .*result=(\w+)/g)) {
        const key = `${match[1]}:${match[2]}`
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
      }
      const replay = runCase(c, false)
      if (!equalBytes(checked.trace, replay.trace)) failures.push(`seed ${c.seed}: the replay's trace differs`)
    }
    console.log(`outcomes over ${CASES} cases (${crashes} crashes):`, Object.fromEntries([...outcomes].sort()))
    expect(failures).toEqual([])
    expect(crashes).toBeGreaterThan(CASES)
    // The cases reach every outcome the check has rules for, each many times.
    for (const outcome of ['crash_write:landed', 'crash_write:lost', 'crash_write:torn', 'crash_write:reordered', 'crash_write:superseded', 'crash_dir_entry:landed', 'crash_dir_entry:rolled_back']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(100)
    }
  })
})

/**
 * The nedb crash sweep (docs/real-storage.md): 2,000 seeds of the real nedb 1.8.0 on the
 * simulated disk, each crashed at a seeded moment and reloaded, plus a negative control in which
 * nedb's fsyncs are no-ops. Runs the built sweep in its own Node process (the transformed nedb
 * loads the built platform; the harness must be the built one too). Needs `npm run build`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireBuild, runNode, shown, type ChildResult } from '../../e2e_support.js'
import type { SeedLine, SweepResult } from './sweep.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCRIPT = 'dist/plugin/real_packages/nedb_crash/sweep.js'
const SEEDS = 2000
const CONTROL_SEEDS = 300
/** The seed docs/real-storage.md walks through. */
const DOC_SEED = '130'

let folder = ''
let sweep: SweepResult
let control: SweepResult
let alone: SeedLine
let alone_run: ChildResult
let probe_run: ChildResult

async function sweepRun(args: string[], file: string): Promise<void> {
  const result = await runNode(ROOT, [SCRIPT, ...args, '--json', join(folder, file)], {}, 180_000)
  if (result.code !== 0) throw new Error(`the sweep failed${shown(result)}`)
}

beforeAll(async () => {
  requireBuild(ROOT, [SCRIPT, 'dist/plugin/real_packages/nedb_crash/failed_write.js'])
  folder = mkdtempSync(join(tmpdir(), 'marionette-nedb-crash-'))
  await sweepRun(['--seeds', String(SEEDS), '--replay', '5'], 'sweep.json')
  await sweepRun(['--seeds', String(CONTROL_SEEDS), '--replay', '0', '--break-fsync'], 'control.json')
  alone_run = await runNode(ROOT, [SCRIPT, '--seed', DOC_SEED, '--json', join(folder, 'alone.json')], {}, 60_000)
  if (alone_run.code !== 0) throw new Error(`the single seed failed${shown(alone_run)}`)
  probe_run = await runNode(ROOT, ['dist/plugin/real_packages/nedb_crash/failed_write.js'], {}, 60_000)
  if (probe_run.code !== 0) throw new Error(`the failed-write probe failed${shown(probe_run)}`)
  sweep = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepResult
  control = JSON.parse(readFileSync(join(folder, 'control.json'), 'utf8')) as SweepResult
  alone = JSON.parse(readFileSync(join(folder, 'alone.json'), 'utf8')) as SeedLine
}, 240_000)

afterAll(() => {
  if (folder !== '') rmSync(folder, { recursive: true, force: true })
})

const outcomes = (result: SweepResult, outcome: string): SeedLine[] => result.lines.filter((line) => line.outcome === outcome)

describe('nedb 1.8.0 crash sweep', () => {
  it('runs every seed to a verdict, and the replayed seeds give identical trace bytes', () => {
    expect(sweep.lines).toHaveLength(SEEDS)
    expect(outcomes(sweep, 'harness_error').map((line) => `${line.seed}: ${line.error}`)).toEqual([])
    const replayed = sweep.lines.filter((line) => line.replay !== 'skipped')
    expect(replayed).toHaveLength(5)
    expect(replayed.every((line) => line.replay === 'identical')).toBe(true)
  })

  it('crashes hit every phase of the workload, under every crash fault class', () => {
    const phases = new Set(sweep.lines.map((line) => line.crash_phase))
    expect([...phases].sort()).toEqual(['compact1', 'compact2', 'fill', 'idle', 'load', 'more', 'tail'])
    for (const fault of ['crash_lost_write_rate', 'crash_torn_write_rate', 'crash_reorder_write_rate', 'crash_lost_dir_entry_rate']) {
      expect(sweep.lines.filter((line) => fault in line.faults).length).toBeGreaterThan(SEEDS / 4)
    }
    expect(sweep.lines.filter((line) => line.second_crash_at_ns !== null).length).toBeGreaterThan(SEEDS / 4)
  })

  it('holds its crash-safe compaction: no compacted document lost, corrupted, duplicated or resurrected, and no load fails for another reason', () => {
    expect(outcomes(sweep, 'violated').map((line) => `${line.seed}: ${line.violations.join('; ')}`)).toEqual([])
    expect(outcomes(sweep, 'load_failed').map((line) => `${line.seed}: ${line.load_error}`)).toEqual([])
    expect(outcomes(sweep, 'held').length).toBeGreaterThan(SEEDS * 0.9)
  })

  it('loses acknowledged appends made after the last compaction, as its README says it may', () => {
    expect(sweep.lines.filter((line) => line.acknowledged_lost > 0).length).toBeGreaterThan(SEEDS / 10)
  })

  it('the finding: after a crash with reordered write-back, it refuses to load a small datafile whose compacted data is intact', () => {
    const refused = outcomes(sweep, 'refused_corrupt')
    expect(refused.length).toBeGreaterThan(0)
    // Every refusal needed a write landing after a lost or torn one (a hole of zeros mid-file)...
    expect(refused.filter((line) => !('crash_reorder_write_rate' in line.faults)).map((line) => line.seed)).toEqual([])
    expect(refused.every((line) => /^More than 10% of the data file is corrupt/.test(line.load_error ?? ''))).toBe(true)
    // ...and with corruptAlertThreshold: 1 the same file loads with the contract intact.
    expect(refused.filter((line) => line.rescued !== true).map((line) => line.seed)).toEqual([])
  })

  it(`seed ${DOC_SEED} (the one docs/real-storage.md shows) gives the same trace alone as inside the sweep, and shows the refusal`, () => {
    const inside = sweep.lines.find((line) => line.seed === DOC_SEED)!
    expect(alone.trace_sha256).toBe(inside.trace_sha256)
    expect(alone.replay).toBe('identical')
    expect(alone.outcome).toBe('refused_corrupt')
    expect(alone_run.stdout).toMatch(/disk\.crash_write op=\d+ ino=\d+ offset=\d+ size=\d+ sectors=1 result=lost/)
    expect(alone_run.stdout).toMatch(/disk\.crash_write op=\d+ ino=\d+ offset=\d+ size=\d+ sectors=1 result=reordered/)
    expect(alone_run.stdout).toContain('check name=nedb.loads_after_crash passed=false detail=More%20than%2010%25%20of%20the%20data%20file%20is%20corrupt')
  })

  it('the trace lines docs/real-storage.md quotes are in the traces they come from', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'real-storage.md'), 'utf8')
    const sources: [string, ChildResult][] = [
      ['event=119 ', alone_run],
      ['event=28 nedb.probe ', probe_run],
    ]
    for (const [opening, source] of sources) {
      const at = doc.indexOf('```text\n' + opening)
      expect(at, opening).toBeGreaterThan(-1)
      const block = doc.slice(at + '```text\n'.length, doc.indexOf('```', at + 3))
      const trace = source.stdout.split('\n')
      for (const quoted of block.trimEnd().split('\n')) {
        // Notes in parentheses are the documentation's; a line ending in ',...' is cut short.
        const line = quoted.replace(/\s+\(.*\)$/, '')
        const found = line.endsWith(',...') ? trace.some((t) => t.startsWith(line.slice(0, -4))) : trace.includes(line)
        expect(found, line).toBe(true)
      }
    }
  })

  it('negative control: with its fsyncs made no-ops, the sweep catches compacted documents lost', () => {
    expect(control.lines).toHaveLength(CONTROL_SEEDS)
    expect(outcomes(control, 'harness_error')).toEqual([])
    const violated = outcomes(control, 'violated')
    expect(violated.length).toBeGreaterThan(CONTROL_SEEDS / 10)
    expect(violated.some((line) => line.violations.some((v) => v.startsWith('compacted_lost')))).toBe(true)
  })

  it('the second finding: a command whose append fails with EIO keeps its effect, which the next compaction makes durable', () => {
    const results = probe_run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"outcome"'))
      .map((line) => JSON.parse(line) as { outcome: string; replay: string; command: string; error: string | null; read_after_failure: unknown; loaded_after_crash: unknown })
    const failed_state = { insert: { seq: 1, v: 0, body: 'failed' }, update: { seq: 1, v: 1, body: 'failed' }, remove: null }
    expect(results.map((r) => r.command)).toEqual(['insert', 'update', 'remove'])
    for (const r of results) {
      expect(r.error, r.command).toBe('EIO')
      expect(r.read_after_failure, r.command).toEqual(failed_state[r.command as keyof typeof failed_state])
      expect(r.loaded_after_crash, r.command).toEqual(failed_state[r.command as keyof typeof failed_state])
      expect(r.outcome).toBe('check_failed')
      expect(r.replay).toBe('identical')
    }
  })
})

/**
 * The ioredis network sweep (docs/real-network.md): the real ioredis 6.0.0 over the simulated
 * node:net against the RESP server of resp_server.ts. Six scripted contracts, 2,000 seeds of
 * resets, partitions, latency, loss and duplication, and a negative control in which the server
 * loses acknowledged writes. Runs the built sweep in its own Node process (the transformed ioredis
 * loads the built platform; the harness must be the built one too). Needs `npm run build`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireBuild, runNode, shown, type ChildResult } from '../../e2e_support.js'
import type { ContractLine, SeedLine, SweepResult } from './sweep.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCRIPT = 'dist/plugin/real_packages/ioredis_net/sweep.js'
const SEEDS = 2000
const REPLAYED = 20
const CONTROL_SEEDS = 300
/** The seed docs/real-network.md walks through: one reset, one command applied twice. */
const DOC_SEED = '504'

let folder = ''
let sweep: SweepResult
let control: SweepResult
let alone: SeedLine
let alone_run: ChildResult
let resend_run: ChildResult

async function sweepRun(args: string[], file: string): Promise<void> {
  const result = await runNode(ROOT, [SCRIPT, ...args, '--json', join(folder, file)], {}, 120_000)
  if (result.code !== 0) throw new Error(`the sweep failed${shown(result)}`)
}

beforeAll(async () => {
  requireBuild(ROOT, [SCRIPT])
  folder = mkdtempSync(join(tmpdir(), 'marionette-ioredis-net-'))
  await sweepRun(['--seeds', String(SEEDS), '--replay', String(REPLAYED)], 'sweep.json')
  await sweepRun(['--seeds', String(CONTROL_SEEDS), '--replay', '0', '--control'], 'control.json')
  alone_run = await runNode(ROOT, [SCRIPT, '--seed', DOC_SEED, '--json', join(folder, 'alone.json')], {}, 60_000)
  if (alone_run.code !== 0) throw new Error(`the single seed failed${shown(alone_run)}`)
  resend_run = await runNode(ROOT, [SCRIPT, '--contract', 'auto_resend_unfulfilled_commands'], {}, 60_000)
  if (resend_run.code !== 0) throw new Error(`the contract run failed${shown(resend_run)}`)
  sweep = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepResult
  control = JSON.parse(readFileSync(join(folder, 'control.json'), 'utf8')) as SweepResult
  alone = JSON.parse(readFileSync(join(folder, 'alone.json'), 'utf8')) as SeedLine
}, 240_000)

afterAll(() => {
  if (folder !== '') rmSync(folder, { recursive: true, force: true })
})

const contract = (name: string): ContractLine => sweep.contracts.find((c) => c.name === name)!
const total = (key: (line: SeedLine) => number): number => sweep.lines.reduce((n, line) => n + key(line), 0)

describe('ioredis 6.0.0 over the simulated node:net', () => {
  it('every scripted contract held, and each replayed to identical trace bytes', () => {
    expect(sweep.contracts.map((c) => c.name)).toEqual(['retry_strategy', 'offline_queue', 'max_retries_per_request', 'auto_resend_unfulfilled_commands', 'connect_timeout', 'command_timeout'])
    for (const c of sweep.contracts) {
      expect(c.held, `${c.name}: ${JSON.stringify(c.detail)}`).toBe(true)
      expect(c.replay, c.name).toBe('identical')
    }
  })

  it('retryStrategy: each attempt starts exactly the returned delay after the loss; a non-number ends the client', () => {
    const detail = contract('retry_strategy').detail as { gaps: { delay_ms: number; gap_ms: number }[]; after_end: { error: string } }
    expect(detail.gaps).toEqual([120, 120, 370, 1000].map((ms) => ({ delay_ms: ms, gap_ms: ms })))
    expect(detail.after_end.error).toBe('Connection is closed.')
  })

  it('the findings of the contracts: maxRetriesPerRequest counts per client; a timed-out command is applied; resend off leaves a command unsettled', () => {
    const retries = contract('max_retries_per_request').detail as { early: { attempts_seen: number; at_ms: number }; late: { attempts_seen: number; at_ms: number } }
    expect([retries.early.attempts_seen, retries.late.attempts_seen]).toEqual([2, 1])
    expect(retries.late.at_ms).toBe(retries.early.at_ms)
    const timeout = contract('command_timeout').detail as { elapsed_ms: number; applied_after_timeout: string | null }
    expect(timeout).toMatchObject({ elapsed_ms: 300, applied_after_timeout: '1' })
    const resend = contract('auto_resend_unfulfilled_commands').detail as Record<string, { reply: unknown; applied: number }>
    expect(resend.after_apply).toEqual({ reply: { ok: true, value: 2 }, applied: 2 })
    expect(resend.not_resent).toEqual({ reply: 'pending after 30 s', applied: 1 })
    const connect = contract('connect_timeout').detail as { connecting: number[]; timeouts: { code: string; at_ms: number }[] }
    expect(connect.timeouts).toEqual([{ code: 'ETIMEDOUT', at_ms: 500 }, { code: 'ETIMEDOUT', at_ms: 2000 }])
  })

  it('runs every seed to a verdict; the replayed seeds give identical trace bytes', () => {
    expect(sweep.lines).toHaveLength(SEEDS)
    expect(sweep.lines.filter((l) => l.outcome === 'harness_error').map((l) => `${l.seed}: ${l.error}`)).toEqual([])
    const replayed = sweep.lines.filter((l) => l.replay !== 'skipped')
    expect(replayed).toHaveLength(REPLAYED)
    expect(replayed.every((l) => l.replay === 'identical')).toBe(true)
  })

  it('the faults happened: resets, partitions, loss, duplication, reconnects, failed commands of both kinds', () => {
    const profiles = sweep.lines.map((l) => l.profile!)
    expect(profiles.filter((p) => p.resets_at_ms.length > 0).length).toBeGreaterThan(SEEDS / 2)
    expect(profiles.filter((p) => p.partitions.length > 0).length).toBeGreaterThan(SEEDS / 2)
    expect(profiles.filter((p) => p.loss_percent > 0).length).toBeGreaterThan(SEEDS / 4)
    expect(profiles.filter((p) => p.duplicate_percent > 0).length).toBeGreaterThan(SEEDS / 10)
    expect(total((l) => l.reconnects)).toBeGreaterThan(SEEDS)
    const failures = sweep.lines.flatMap((l) => Object.keys(l.failures))
    expect(failures.some((f) => f === 'Command timed out')).toBe(true)
    expect(failures.some((f) => f.startsWith('Reached the max retries per request limit'))).toBe(true)
  })

  it('holds what ioredis documents: acknowledged commands applied, at most once per connection, default retry delays as stated', () => {
    expect(sweep.lines.filter((l) => l.outcome === 'violated').map((l) => `${l.seed}: ${l.violations.join('; ')}`)).toEqual([])
  })

  it('the finding: at-least-once; commands applied twice (and acknowledged with the second value), failed commands applied anyway', () => {
    expect(sweep.lines.filter((l) => l.duplicated > 0).length).toBeGreaterThan(SEEDS / 20)
    expect(total((l) => l.acknowledged_duplicates)).toBeGreaterThan(0)
    expect(Math.max(...sweep.lines.map((l) => l.max_applied))).toBeGreaterThanOrEqual(2)
    expect(sweep.lines.some((l) => Object.keys(l.failed_but_applied_by).some((k) => k.startsWith('Reached the max retries')))).toBe(true)
    expect(sweep.lines.some((l) => (l.failed_but_applied_by['Command timed out'] ?? 0) > 0)).toBe(true)
  })

  it(`seed ${DOC_SEED} (the one docs/real-network.md shows) gives the same trace alone as inside the sweep`, () => {
    const inside = sweep.lines.find((l) => l.seed === DOC_SEED)!
    expect(alone.trace_sha256).toBe(inside.trace_sha256)
    expect(alone.replay).toBe('identical')
    expect(alone).toMatchObject({ outcome: 'held', duplicated: 1, acknowledged_duplicates: 1, connections: 2 })
  })

  it('the trace lines docs/real-network.md quotes are in the traces they come from', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'real-network.md'), 'utf8')
    const sources: [string, ChildResult][] = [
      ['event=2 ioredis.profile ', alone_run],
      ['run.name value=ioredis_auto_resend_unfulfilled_commands', resend_run],
    ]
    for (const [opening, source] of sources) {
      const at = doc.indexOf('```text\n' + opening)
      expect(at, opening).toBeGreaterThan(-1)
      const block = doc.slice(at + '```text\n'.length, doc.indexOf('```', at + 3))
      const trace = source.stdout.split('\n')
      for (const quoted of block.trimEnd().split('\n')) {
        // Notes in parentheses are the documentation's; '...' stands for lines left out.
        const line = quoted.replace(/\s+\(.*\)$/, '')
        if (line === '...') continue
        expect(trace.includes(line), line).toBe(true)
      }
    }
  })

  it('negative control: a server that undoes a reset connection’s writes is caught losing acknowledged commands', () => {
    expect(control.lines).toHaveLength(CONTROL_SEEDS)
    expect(control.lines.filter((l) => l.outcome === 'harness_error')).toEqual([])
    const violated = control.lines.filter((l) => l.outcome === 'violated')
    expect(violated.length).toBeGreaterThan(CONTROL_SEEDS / 2)
    expect(violated.some((l) => l.violations.some((v) => /acknowledged \(\d+\) but never applied/.test(v)))).toBe(true)
    // Only seeds with a reset can lose anything: the others must hold.
    expect(control.lines.filter((l) => l.profile!.resets_at_ms.length === 0 && l.outcome !== 'held')).toEqual([])
  })
})

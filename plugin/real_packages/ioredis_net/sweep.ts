/**
 * The ioredis network sweep (docs/real-network.md): the scripted contracts (contracts.ts), then
 * many seeds of `scenario.ts`, each in its own simulation, with the real ioredis 6.0.0 from
 * node_modules run through the transform.
 *
 * Runs from the build, in a plain Node process (the transformed ioredis loads the built platform,
 * so the harness must be the built one too, one copy of each module):
 *
 *   npm run build && node dist/plugin/real_packages/ioredis_net/sweep.js --seeds 300
 *   node dist/plugin/real_packages/ioredis_net/sweep.js --seed 17      # one seed, with its trace
 *   node dist/plugin/real_packages/ioredis_net/sweep.js --contract auto_resend_unfulfilled_commands
 *
 * Options: --seeds N (default 300), --base S (first seed, default 0), --replay K (run the first K
 * seeds twice and compare their trace bytes, default 5), --json FILE (write the results as JSON),
 * --control (the negative control: a server that undoes the writes of a connection that is reset).
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fuzzSeeds, run, type RunReport } from '../../../src/run/index.js'
import type { Seed } from '../../../src/world/index.js'
import { CONTRACTS, runContract, type ContractResult } from './contracts.js'
import { loadIoredis, NETWORK, type RedisClass } from './harness.js'
import { ioredisNetScenario, type Profile, type SeedResult } from './scenario.js'
import { argument, invokedDirectly } from '../sweep_cli.js'

export interface SeedLine {
  readonly seed: string
  readonly run_outcome: string
  readonly replay: string
  /** 'held', 'violated' or 'harness_error'. */
  readonly outcome: string
  readonly profile: Profile | null
  readonly ops: number
  readonly acknowledged: number
  readonly failed: number
  /** Failure messages, counted. */
  readonly failures: Readonly<Record<string, number>>
  /** Failed commands the server applied anyway, and those by failure message. */
  readonly failed_but_applied: number
  readonly failed_but_applied_by: Readonly<Record<string, number>>
  /** Commands applied more than once (at-least-once), and the highest count. */
  readonly duplicated: number
  readonly max_applied: number
  readonly applied_total: number
  readonly connections: number
  readonly reconnects: number
  /** Acknowledged commands whose reply was not their first application (the client saw the duplicate). */
  readonly acknowledged_duplicates: number
  readonly violations: readonly string[]
  readonly error: string | null
  /** sha256 of the trace bytes: the same seed gives the same hash in any process, alone or in a sweep. */
  readonly trace_sha256: string
}

export interface ContractLine {
  readonly name: string
  readonly run_outcome: string
  readonly replay: string
  readonly held: boolean
  readonly detail: Record<string, unknown>
  readonly error: string | null
  readonly trace_sha256: string
}

function errorText(error: unknown): string | null {
  return error === null ? null : error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

export async function runSeed(Redis: RedisClass, seed: Seed, replay = false, control = false): Promise<{ report: RunReport; result: SeedResult | null }> {
  let result: SeedResult | null = null
  const report = await run(
    ioredisNetScenario(
      Redis,
      (seed_result) => {
        result ??= seed_result
      },
      { rollback_on_reset: control },
    ),
    { seed, name: 'ioredis_net', replay, network: NETWORK },
  )
  return { report, result }
}

export function seedLine(seed: string, report: RunReport, result: SeedResult | null): SeedLine {
  const error = errorText(report.error)
  const ops = result?.ops ?? []
  const failures: Record<string, number> = {}
  const failed_but_applied_by: Record<string, number> = {}
  for (const op of ops) if (!op.ok) failures[String(op.reply)] = (failures[String(op.reply)] ?? 0) + 1
  for (const op of ops) if (!op.ok && op.applied > 0) failed_but_applied_by[String(op.reply)] = (failed_but_applied_by[String(op.reply)] ?? 0) + 1
  const harness_error = result === null || (error !== null && !/ioredis\.acknowledged_commands_applied/.test(error))
  return {
    seed,
    run_outcome: report.outcome,
    replay: report.replay,
    outcome: harness_error ? 'harness_error' : result.violations.length === 0 ? 'held' : 'violated',
    profile: result?.profile ?? null,
    ops: ops.length,
    acknowledged: ops.filter((op) => op.ok).length,
    failed: ops.filter((op) => !op.ok).length,
    failures,
    failed_but_applied: ops.filter((op) => !op.ok && op.applied > 0).length,
    failed_but_applied_by,
    duplicated: ops.filter((op) => op.applied > 1).length,
    max_applied: ops.reduce((n, op) => Math.max(n, op.applied), 0),
    applied_total: ops.reduce((n, op) => n + op.applied, 0),
    connections: result?.connections ?? 0,
    reconnects: result?.reconnects ?? 0,
    acknowledged_duplicates: ops.filter((op) => op.ok && typeof op.reply === 'number' && op.reply > 1).length,
    violations: result?.violations ?? [],
    error,
    trace_sha256: createHash('sha256').update(report.trace).digest('hex'),
  }
}

export async function runContracts(Redis: RedisClass): Promise<ContractLine[]> {
  const lines: ContractLine[] = []
  for (const [name] of CONTRACTS) {
    const { result, report } = await runContract(Redis, name)
    lines.push(contractLine(name, result, report))
  }
  return lines
}

function contractLine(name: string, result: ContractResult | null, report: RunReport): ContractLine {
  return {
    name,
    run_outcome: report.outcome,
    replay: report.replay,
    held: result?.held ?? false,
    detail: result?.detail ?? {},
    error: errorText(report.error),
    trace_sha256: createHash('sha256').update(report.trace).digest('hex'),
  }
}

export interface SweepResult {
  readonly contracts: readonly ContractLine[]
  readonly lines: readonly SeedLine[]
  readonly contracts_ms: number
  readonly elapsed_ms: number
}

export interface SweepOptions {
  seeds: number
  base_seed?: number
  /** The first `replay` seeds run twice, their trace bytes compared. */
  replay?: number
  /** The negative control: the server undoes a reset connection's writes (and the contracts are skipped). */
  control?: boolean
  onSeed?: (line: SeedLine, index: number) => void
}

export async function sweepIoredis(options: SweepOptions): Promise<SweepResult> {
  const Redis = loadIoredis()
  const started = performance.now()
  const contracts = options.control === true ? [] : await runContracts(Redis)
  const contracts_ms = performance.now() - started
  const lines: SeedLine[] = []
  for (const [index, seed] of fuzzSeeds(options.seeds, options.base_seed ?? 0).entries()) {
    const { report, result } = await runSeed(Redis, seed, index < (options.replay ?? 5), options.control === true)
    if (index === 0 && !report.traceText().includes(' net.connect node=0 ')) {
      throw new Error('ioredis sweep: the first seed opened no simulated connection: ioredis was not loaded through the transform')
    }
    const line = seedLine(seed.text, report, result)
    lines.push(line)
    options.onSeed?.(line, index)
  }
  return { contracts, lines, contracts_ms, elapsed_ms: performance.now() - started }
}

function sum(lines: readonly SeedLine[], key: (line: SeedLine) => number): number {
  return lines.reduce((n, line) => n + key(line), 0)
}

/** A Markdown summary of a sweep. */
export function formatSweep(result: SweepResult): string {
  const { lines, contracts } = result
  const out: string[] = []
  out.push(`contracts (${(result.contracts_ms / 1000).toFixed(1)} s):`, '')
  for (const c of contracts) out.push(`- ${c.name}: ${c.held ? 'held' : 'NOT HELD'} (run ${c.run_outcome}, replay ${c.replay}) ${JSON.stringify(c.detail)}`)
  out.push('')
  out.push(`${lines.length} seeds in ${(result.elapsed_ms / 1000).toFixed(1)} s (with the contracts); replayed ${lines.filter((l) => l.replay !== 'skipped').length} (${lines.filter((l) => l.replay === 'diverged').length} diverged)`, '')
  const outcomes = new Map<string, number>()
  for (const line of lines) outcomes.set(line.outcome, (outcomes.get(line.outcome) ?? 0) + 1)
  out.push('| outcome | seeds |', '| --- | ---: |', ...[...outcomes].sort().map(([k, n]) => `| ${k} | ${n} |`), '')
  out.push(`commands: ${sum(lines, (l) => l.ops)} issued, ${sum(lines, (l) => l.acknowledged)} acknowledged, ${sum(lines, (l) => l.failed)} failed (${sum(lines, (l) => l.failed_but_applied)} of them applied anyway)`)
  out.push(`applied more than once: ${sum(lines, (l) => l.duplicated)} commands in ${lines.filter((l) => l.duplicated > 0).length} seeds (most: ${Math.max(0, ...lines.map((l) => l.max_applied))} times)`)
  out.push(`acknowledged with a reply from a second or later application: ${sum(lines, (l) => l.acknowledged_duplicates)} commands in ${lines.filter((l) => l.acknowledged_duplicates > 0).length} seeds`)
  out.push(`applications: ${sum(lines, (l) => l.applied_total)} (the final counters), connections: ${sum(lines, (l) => l.connections)}, reconnects (delays checked): ${sum(lines, (l) => l.reconnects)}`)
  const failures = new Map<string, number>()
  for (const line of lines) for (const [k, n] of Object.entries(line.failures)) failures.set(k, (failures.get(k) ?? 0) + n)
  const applied_anyway = new Map<string, number>()
  for (const line of lines) for (const [k, n] of Object.entries(line.failed_but_applied_by)) applied_anyway.set(k, (applied_anyway.get(k) ?? 0) + n)
  for (const [k, n] of [...failures].sort()) out.push(`  failed with "${k}": ${n} (applied anyway: ${applied_anyway.get(k) ?? 0})`)
  out.push('')
  for (const outcome of ['violated', 'harness_error']) {
    const seeds = lines.filter((l) => l.outcome === outcome)
    if (seeds.length === 0) continue
    out.push(`${outcome}: ${seeds.map((l) => l.seed).join(', ')}`)
    for (const l of seeds.slice(0, 5)) out.push(`  seed ${l.seed}: ${l.error ?? l.violations.join('; ')}`.slice(0, 400))
  }
  return out.join('\n')
}

if (invokedDirectly(import.meta.url)) {
  const args = process.argv.slice(2)
  const one = argument(args, '--seed')
  const contract = argument(args, '--contract')
  const json = argument(args, '--json')
  if (one !== undefined || contract !== undefined) {
    const Redis = loadIoredis()
    let report: RunReport
    let line: SeedLine | ContractLine
    if (contract !== undefined) {
      const ran = await runContract(Redis, contract)
      report = ran.report
      line = contractLine(contract, ran.result, ran.report)
    } else {
      const ran = await runSeed(Redis, fuzzSeeds([one!])[0]!, true)
      report = ran.report
      line = seedLine(one!, ran.report, ran.result)
    }
    process.stdout.write(report.traceText())
    console.log(JSON.stringify(line, null, 2))
    if (json !== undefined) writeFileSync(json, JSON.stringify(line, null, 1))
  } else {
    const result = await sweepIoredis({
      seeds: Number(argument(args, '--seeds') ?? 300),
      base_seed: Number(argument(args, '--base') ?? 0),
      replay: Number(argument(args, '--replay') ?? 5),
      control: args.includes('--control'),
    })
    if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 1))
    console.log(formatSweep(result))
    const broken = result.lines.some((l) => l.outcome === 'harness_error' || l.replay === 'diverged') || result.contracts.some((c) => !c.held || c.replay !== 'identical')
    process.exitCode = broken ? 1 : 0
  }
}

/**
 * The nedb crash sweep (docs/real-storage.md): many seeds of `scenario.ts`, each in its own
 * simulation, with the real nedb 1.8.0 from node_modules run through the transform.
 *
 * Runs from the build, in a plain Node process (the transformed nedb loads the built platform, so
 * the harness must be the built one too, one copy of each module):
 *
 *   npm run build && node dist/plugin/real_packages/nedb_crash/sweep.js --seeds 500
 *   node dist/plugin/real_packages/nedb_crash/sweep.js --seed 17        # one seed, with its trace
 *
 * Options: --seeds N (default 500), --base S (first seed, default 0), --replay K (run the first K
 * seeds twice and compare their trace bytes, default 5), --json FILE (write the results as JSON),
 * --break-fsync (the negative control: nedb's fsyncs made no-ops, see breakNedbFsync).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fuzzSeeds, run, type RunReport } from '../../../src/run/index.js'
import { formatRate, type Seed } from '../../../src/world/index.js'
import { installCjsHook } from '../../cjs_hook.js'
import { DATAFILE, nedbCrashScenario, type DatastoreClass, type Outcome, type SeedResult } from './scenario.js'
import { argument, invokedDirectly } from '../sweep_cli.js'

/**
 * nedb and the dependencies that reach timers or fs: async (setImmediate, process.nextTick),
 * mkdirp (fs). underscore and binary-search-tree touch neither, and are simulated all the same so
 * that nothing nedb runs is left on the real platform.
 */
export const NEDB_PACKAGES: readonly string[] = ['nedb', 'async', 'mkdirp', 'underscore', 'binary-search-tree']
export const NEDB_VERSION = '1.8.0'

/** Sector sizes, chosen by the seed: 64 bytes tears inside a document line, 4096 is a real page. */
export const SECTOR_SIZES: readonly number[] = [64, 512, 4096]
/** Disk latency jitter: commands finish at seeded, uneven times, so crashes land between any two steps. */
const JITTER_NS = 500_000

/** The repository root: the nearest folder above this file with marionette-sim's package.json. */
function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && /"name":\s*"marionette-sim"/.test(readFileSync(manifest, 'utf8'))) return dir
    if (dirname(dir) === dir) throw new Error(`no marionette-sim package.json above ${from}`)
  }
}

/** nedb, loaded through the CommonJS require hook (its files transformed for the simulated platform). */
export function loadNedb(root: string = repoRoot()): DatastoreClass {
  installCjsHook(NEDB_PACKAGES)
  const require = createRequire(join(root, 'package.json'))
  const manifest = require('nedb/package.json') as { version: string }
  if (manifest.version !== NEDB_VERSION) throw new Error(`nedb ${NEDB_VERSION} expected, found ${manifest.version}`)
  return require('nedb') as DatastoreClass
}

/**
 * The negative control: nedb with `storage.flushToStorage` (its every fsync, of files and of the
 * directory) made a no-op, so its crash-safe write is no longer safe. The sweep must catch it.
 * Returns the function that puts the real one back.
 */
export function breakNedbFsync(root: string = repoRoot()): () => void {
  const require = createRequire(join(root, 'package.json'))
  type Flush = (options: unknown, callback: (error: Error | null) => void) => void
  const storage = require('nedb/lib/storage.js') as { flushToStorage: Flush }
  const original = storage.flushToStorage
  storage.flushToStorage = (_options, callback) => callback(null)
  return () => {
    storage.flushToStorage = original
  }
}

export function sectorSizeFor(seed: Seed): number {
  return SECTOR_SIZES[Number(seed.words[0]! % BigInt(SECTOR_SIZES.length))]!
}

export interface SeedRun {
  readonly seed: string
  readonly sector_size_bytes: number
  readonly report: RunReport
  /** Null when the run ended in an error before the scenario reported (a harness failure). */
  readonly result: SeedResult | null
}

export async function runSeed(Datastore: DatastoreClass, seed: Seed, replay = false): Promise<SeedRun> {
  let result: SeedResult | null = null
  const sector_size_bytes = sectorSizeFor(seed)
  const report = await run(
    nedbCrashScenario(Datastore, (seed_result) => {
      result ??= seed_result
    }),
    { seed, name: 'nedb_crash', replay, disk: { sector_size_bytes, jitter_ns: JITTER_NS } },
  )
  return { seed: seed.text, sector_size_bytes, report, result }
}

/** What the JSON output holds per seed. */
export interface SeedLine {
  readonly seed: string
  readonly run_outcome: string
  readonly replay: string
  readonly outcome: Outcome | 'harness_error'
  readonly sector_size_bytes: number
  readonly faults: Readonly<Record<string, string>>
  readonly crash_at_ns: number | null
  readonly second_crash_at_ns: number | null
  readonly crash_phase: string | null
  readonly reload_finished: boolean | null
  readonly compactions_done: number
  readonly snapshot_docs: number
  readonly acknowledged_lost: number
  readonly ops: number
  readonly load_error: string | null
  readonly rescued: boolean | null
  readonly violations: readonly string[]
  readonly error: string | null
  /** sha256 of the trace bytes: the same seed gives the same hash in any process, alone or in a sweep. */
  readonly trace_sha256: string
}

export function seedLine(seed_run: SeedRun): SeedLine {
  const { report, result } = seed_run
  const error = report.error === null ? null : report.error instanceof Error ? `${report.error.name}: ${report.error.message}` : String(report.error)
  return {
    seed: seed_run.seed,
    run_outcome: report.outcome,
    replay: report.replay,
    outcome: result === null || error !== null ? 'harness_error' : result.outcome,
    sector_size_bytes: seed_run.sector_size_bytes,
    faults: Object.fromEntries(Object.entries(result?.profile.faults ?? {}).map(([name, rate]) => [name, formatRate(rate)])),
    crash_at_ns: result?.profile.crash_at_ns ?? null,
    second_crash_at_ns: result?.profile.second_crash_at_ns ?? null,
    crash_phase: result?.crash_phase ?? null,
    reload_finished: result?.reload_finished ?? null,
    compactions_done: result?.compactions_done ?? 0,
    snapshot_docs: result?.snapshot_docs ?? 0,
    acknowledged_lost: result?.acknowledged_lost ?? 0,
    ops: result?.ops ?? 0,
    load_error: result?.load_error ?? null,
    rescued: result?.rescued ?? null,
    violations: (result?.violations ?? []).map((v) => `${v.kind}: ${v.detail}`),
    error,
    trace_sha256: createHash('sha256').update(report.trace).digest('hex'),
  }
}

export interface SweepOptions {
  seeds: number
  base_seed?: number
  /** The first `replay` seeds run twice, their trace bytes compared. */
  replay?: number
  root?: string
  /** Run the negative control (breakNedbFsync) instead of the real nedb. */
  break_fsync?: boolean
  /** Called after each seed (progress). */
  onSeed?: (line: SeedLine, index: number) => void
}

export interface SweepResult {
  readonly lines: readonly SeedLine[]
  readonly elapsed_ms: number
}

export async function sweepNedb(options: SweepOptions): Promise<SweepResult> {
  const Datastore = loadNedb(options.root)
  const restore = options.break_fsync === true ? breakNedbFsync(options.root) : null
  try {
    return await sweepWith(Datastore, options)
  } finally {
    restore?.()
  }
}

async function sweepWith(Datastore: DatastoreClass, options: SweepOptions): Promise<SweepResult> {
  const started = performance.now()
  const lines: SeedLine[] = []
  const seeds = fuzzSeeds(options.seeds, options.base_seed ?? 0)
  for (const [index, seed] of seeds.entries()) {
    const seed_run = await runSeed(Datastore, seed, index < (options.replay ?? 5))
    if (index === 0 && !new TextDecoder().decode(seed_run.report.trace).includes(`disk.create op=`)) {
      throw new Error('nedb crash sweep: the first seed never created a file on the simulated disk: nedb was not loaded through the transform')
    }
    const line = seedLine(seed_run)
    lines.push(line)
    options.onSeed?.(line, index)
  }
  return { lines, elapsed_ms: performance.now() - started }
}

function count<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return new Map([...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
}

function table(title: string, counts: Map<string, number>): string[] {
  return [`| ${title} | seeds |`, '| --- | ---: |', ...[...counts].map(([key, n]) => `| ${key} | ${n} |`), '']
}

/** A Markdown summary of a sweep. */
export function formatSweep(result: SweepResult): string {
  const { lines } = result
  const out: string[] = []
  out.push(`${lines.length} seeds in ${(result.elapsed_ms / 1000).toFixed(1)} s; replayed ${lines.filter((l) => l.replay !== 'skipped').length} (${lines.filter((l) => l.replay === 'diverged').length} diverged)`, '')
  out.push(...table('outcome', count(lines, (l) => l.outcome)))
  out.push(...table('outcome by crash phase', count(lines, (l) => `${l.crash_phase ?? '-'}: ${l.outcome}`)))
  out.push(...table('outcome by sector size', count(lines, (l) => `${l.sector_size_bytes}: ${l.outcome}`)))
  const fault_keys = ['crash_lost_write_rate', 'crash_torn_write_rate', 'crash_reorder_write_rate', 'crash_lost_dir_entry_rate']
  out.push(...table('outcome by crash fault class on', count(lines.flatMap((l) => fault_keys.filter((k) => k in l.faults).map((k) => ({ ...l, k }))), (l) => `${l.k}: ${l.outcome}`)))
  const lost = lines.filter((l) => l.acknowledged_lost > 0)
  out.push(`Seeds that lost acknowledged work after the last completed compaction (documented): ${lost.length}, ${lost.reduce((n, l) => n + l.acknowledged_lost, 0)} documents in all.`, '')
  for (const outcome of ['refused_corrupt', 'load_failed', 'violated', 'harness_error'] as const) {
    const seeds = lines.filter((l) => l.outcome === outcome)
    if (seeds.length === 0) continue
    out.push(`${outcome}: ${seeds.map((l) => l.seed).join(', ')}`)
    for (const l of seeds.slice(0, 5)) out.push(`  seed ${l.seed}: ${l.load_error ?? l.error ?? l.violations.join('; ')}`.slice(0, 400))
    if (outcome === 'refused_corrupt') out.push(`  loaded with corruptAlertThreshold: 1, the contract held: ${seeds.filter((l) => l.rescued === true).length} of ${seeds.length}`)
    out.push('')
  }
  return out.join('\n')
}

if (invokedDirectly(import.meta.url)) {
  const args = process.argv.slice(2)
  const one = argument(args, '--seed')
  if (one !== undefined) {
    const seed_run = await runSeed(loadNedb(), fuzzSeeds([one])[0]!, true)
    process.stdout.write(new TextDecoder().decode(seed_run.report.trace))
    const line = seedLine(seed_run)
    console.log(JSON.stringify(line, null, 2))
    const json = argument(args, '--json')
    if (json !== undefined) writeFileSync(json, JSON.stringify(line, null, 1))
  } else {
    const result = await sweepNedb({
      seeds: Number(argument(args, '--seeds') ?? 500),
      base_seed: Number(argument(args, '--base') ?? 0),
      replay: Number(argument(args, '--replay') ?? 5),
      break_fsync: args.includes('--break-fsync'),
    })
    const json = argument(args, '--json')
    if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 1))
    console.log(formatSweep(result))
    process.exitCode = result.lines.some((l) => l.outcome === 'harness_error' || l.replay === 'diverged') ? 1 : 0
  }
}

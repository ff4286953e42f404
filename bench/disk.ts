/**
 * The disk benchmark (docs/performance.md, "Disk").
 *
 * Workload: the same seeded sequence of `node:fs/promises` calls for every runner. A run makes
 * `dirs` directories, then for `rounds` rounds goes over `files` files (file k lives in directory
 * k mod dirs). Each (round, file) is, by a seeded draw, skipped (1 in 8) or rewritten the way a
 * careful program replaces a file:
 *
 *   open(tmp, 'w'), write 1..8 chunks of 1 B..64 KiB (log-uniform sizes, sequential), sync(),
 *   close(), rename(tmp, final) over the previous version; then read the file back, either with
 *   readFile or with open(final, 'r') + 16 KiB reads + close (half each), checking every byte;
 *   then, 1 in 8, unlink(final).
 *
 * After every round each directory is fsynced (open(dir, 'r'), sync(), close()), so at the end of a
 * round everything is durable. A file's content is a window of a seeded 1 MiB pool, so checking a
 * read back is a memcmp against the pool. `lanes` workers share a round's files (lane l takes files
 * l, l + lanes, ...); with 1 lane every call is awaited before the next.
 *
 * Runners, in the same process, interleaved (the order rotates each repetition):
 * - `marionette`: the platform module transformed code imports for node:fs/promises
 *   (src/platform/modules/fs_promises.ts) inside a simulation (`enterSimulation`, `sim.loop.run`):
 *   SimDisk with its durability bookkeeping (pending writes, dirty sectors, the directory-entry
 *   journal) and a trace event per disk operation; every disk step completes one latency later
 *   through the simulated event loop, so the loop's cost per step is part of the figure.
 * - `memfs`: memfs (`new Volume()`, `vol.promises`), which tracks no durability (its `sync` does
 *   nothing) and completes each call in a microtask.
 *
 * Both must make the same number of calls and leave the same final tree (a checksum over the sorted
 * names and contents, equal to the one the plan predicts); marionette's durable view must equal its
 * volatile one at the end. Throughput is fs/promises calls per second of wall time, the file
 * system's creation included; `ratio_vs_memfs` = marionette calls/s / memfs calls/s.
 *
 * Usage: `npm run bench` (or `node dist/bench/disk.js [--quick] [--rounds N] [--reps N]
 * [--warmup N] [--only runner] [--no-write]`).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Volume } from 'memfs'
import type { DiskOptions } from '../src/disk/options.js'
import simulated_fs from '../src/platform/modules/fs_promises.js'
import { enterSimulation, exitSimulation } from '../src/platform/active.js'
import { Simulation } from '../src/sim/simulation.js'
import { expectedChecksum, finalPath, makePlan, MAX_DIRS, MAX_FILES, MAX_ROUNDS, runCalls, treeChecksum, type BenchFs, type Plan } from './disk_workload.js'
import { findPackageRoot, median, parseBenchArgs, runIfMain, writeResults } from './harness.js'

export { expectedChecksum, makePlan, runCalls, treeChecksum, type BenchFileHandle, type BenchFs, type Plan } from './disk_workload.js'

export const RUNNERS = ['marionette', 'memfs'] as const
export type Runner = (typeof RUNNERS)[number]

/** The project's target (issue 5): marionette at least as fast as memfs on the same calls. */
export const TARGETS = { ratio_vs_memfs: 1.0 } as const

/** The disk model of the marionette runner: an SSD-like 100 us per step plus up to 50 us of seeded jitter. */
export const DISK_OPTIONS: DiskOptions = { min_latency_ns: 100_000, jitter_ns: 50_000 }

// ---- the runners ---------------------------------------------------------------------------------

export interface DiskRunResult {
  /** fs/promises calls made. */
  calls: number
  /** Wall time of the run in milliseconds, the file system's creation included. */
  elapsed_ms: number
  /** treeChecksum of the final tree (taken after the timing). */
  checksum: number
  /** marionette: loop steps, the trace of the timed part (size and digest), and whether the durable view equals the volatile one. */
  steps?: number
  trace_bytes?: number
  trace_sha256?: string
  durable_matches?: boolean
}

/** The platform's node:fs/promises inside a simulation, over SimDisk. */
export async function runMarionette(plan: Plan, lanes: number, disk: DiskOptions = DISK_OPTIONS): Promise<DiskRunResult> {
  const fs = simulated_fs as unknown as BenchFs
  const started = performance.now()
  const sim = new Simulation({ seed: 1, disk })
  let calls = 0
  enterSimulation(sim)
  try {
    await sim.loop.run(async () => {
      calls = await runCalls(fs, plan, lanes)
    })
  } finally {
    exitSimulation(sim)
  }
  const elapsed_ms = performance.now() - started
  const steps = sim.loop.steps
  const trace = sim.world.trace.bytes()
  const trace_sha256 = createHash('sha256').update(trace).digest('hex')
  // Untimed: the final tree through the same API, and the durable view against the volatile one.
  let checksum = 0
  enterSimulation(sim)
  try {
    await sim.loop.run(async () => {
      checksum = await treeChecksum(fs, plan)
    })
  } finally {
    exitSimulation(sim)
  }
  const control = sim.control.disk
  let durable_matches = control.pendingWrites() === 0 && control.pendingDirEntries() === 0
  for (let dir = 0; dir < plan.dirs && durable_matches; dir++) {
    for (let file = dir; file < plan.files; file += plan.dirs) {
      const final = finalPath(plan, file)
      const durable = control.durableFile(final)
      const volatile = control.volatileFile(final)
      if ((durable === null) !== (volatile === null) || (durable !== null && volatile !== null && Buffer.compare(durable, volatile) !== 0)) {
        durable_matches = false
        break
      }
    }
  }
  return { calls, elapsed_ms, checksum, steps, trace_bytes: trace.length, trace_sha256, durable_matches }
}

/** memfs's fs.promises over a fresh Volume. */
export async function runMemfs(plan: Plan, lanes: number): Promise<DiskRunResult> {
  const started = performance.now()
  const fs = new Volume().promises as unknown as BenchFs
  const calls = await runCalls(fs, plan, lanes)
  const elapsed_ms = performance.now() - started
  return { calls, elapsed_ms, checksum: await treeChecksum(fs, plan) }
}

export function runWorkload(runner: Runner, plan: Plan, lanes: number): Promise<DiskRunResult> {
  return runner === 'marionette' ? runMarionette(plan, lanes) : runMemfs(plan, lanes)
}

// ---- the benchmark -------------------------------------------------------------------------------

export interface Options {
  rounds: number
  files: number
  dirs: number
  reps: number
  warmup: number
  only: Runner[]
  write: boolean
}

export function parseArgs(argv: readonly string[]): Options {
  const args = parseBenchArgs(
    argv,
    { rounds: { default: 40, min: 1, max: MAX_ROUNDS }, files: { default: 32, min: 1, max: MAX_FILES }, dirs: { default: 4, min: 1, max: MAX_DIRS } },
    RUNNERS,
  )
  return { ...args.sizes, reps: args.reps, warmup: args.warmup, only: args.only, write: args.write }
}

export { median }

export const SHAPES = [
  { key: 'lanes_1', lanes: 1 },
  { key: 'lanes_8', lanes: 8 },
] as const

export interface ShapeResult {
  lanes: number
  calls: number
  calls_per_s: { marionette: number | null; memfs: number | null }
  /** marionette calls/s / memfs calls/s, the medians of each. */
  ratio_vs_memfs: number | null
  /** The median of the ratios of the two runs of each repetition (less sensitive to drift in the machine's load). */
  ratio_vs_memfs_paired: number | null
  marionette_ns_per_call: number | null
  memfs_ns_per_call: number | null
  marionette_loop_steps: number | null
  marionette_trace_bytes: number | null
  durable_matches: boolean | null
  checksum: string
  meets_target: boolean | null
}

export interface Report {
  node: string
  cpus: number
  cpu_model: string
  date: string
  memfs: string
  rounds: number
  files: number
  dirs: number
  disk: DiskOptions
  repetitions: number
  warmup: number
  targets: typeof TARGETS
  workloads: Record<string, ShapeResult>
}

/** Runs the repetitions; `problems` lists every check that failed (checksums, call counts, durability). */
export async function benchmark(options: Options, progress: (line: string) => void = () => {}): Promise<{ report: Report; problems: string[] }> {
  const plan = makePlan({ rounds: options.rounds, files: options.files, dirs: options.dirs })
  const expected = expectedChecksum(plan)
  const samples = new Map<string, number[]>()
  const paired = new Map<string, number[]>()
  const calls_by = new Map<string, number>()
  const last = new Map<string, DiskRunResult>()
  const problems: string[] = []

  const total = options.warmup + options.reps
  for (let rep = 0; rep < total; rep++) {
    const measured = rep >= options.warmup
    for (const { key, lanes } of SHAPES) {
      // Rotate the runners' order each repetition so drift and GC pressure hit them alike.
      const rates = new Map<Runner, number>()
      for (let r = 0; r < options.only.length; r++) {
        const runner = options.only[(r + rep) % options.only.length] as Runner
        const result = await runWorkload(runner, plan, lanes)
        const id = `${key}/${runner}`
        if (result.checksum !== expected) {
          problems.push(`${id}: final tree checksum ${result.checksum.toString(16)}, the plan predicts ${expected.toString(16)}`)
        }
        if (result.durable_matches === false) problems.push(`${id}: the durable view differs from the volatile one after the last directory fsync`)
        const previous = calls_by.get(id)
        if (previous !== undefined && previous !== result.calls) problems.push(`${id}: ${previous} calls, then ${result.calls}`)
        calls_by.set(id, result.calls)
        last.set(id, result)
        rates.set(runner, result.calls / (result.elapsed_ms / 1000))
      }
      if (!measured) continue
      for (const [runner, rate] of rates) {
        let list = samples.get(`${key}/${runner}`)
        if (list === undefined) samples.set(`${key}/${runner}`, (list = []))
        list.push(rate)
      }
      const marionette = rates.get('marionette')
      const memfs = rates.get('memfs')
      if (marionette !== undefined && memfs !== undefined) {
        let list = paired.get(key)
        if (list === undefined) paired.set(key, (list = []))
        list.push(marionette / memfs)
      }
    }
    progress(`${measured ? 'rep' : 'warm-up'} ${measured ? rep - options.warmup + 1 : rep + 1}/${measured ? options.reps : options.warmup}`)
  }

  const rate = (key: string, runner: Runner): number | null => {
    const list = samples.get(`${key}/${runner}`)
    return list === undefined ? null : Math.round(median(list))
  }
  const workloads: Record<string, ShapeResult> = {}
  for (const { key, lanes } of SHAPES) {
    const marionette = rate(key, 'marionette')
    const memfs = rate(key, 'memfs')
    const ratio = marionette !== null && memfs !== null ? marionette / memfs : null
    const calls = calls_by.get(`${key}/marionette`) ?? calls_by.get(`${key}/memfs`) ?? 0
    const memfs_calls = calls_by.get(`${key}/memfs`)
    if (memfs_calls !== undefined && memfs_calls !== calls) problems.push(`${key}: marionette made ${calls} calls, memfs ${memfs_calls}`)
    const sim = last.get(`${key}/marionette`)
    const pairs = paired.get(key)
    workloads[key] = {
      lanes,
      calls,
      calls_per_s: { marionette, memfs },
      ratio_vs_memfs: ratio === null ? null : Number(ratio.toFixed(3)),
      ratio_vs_memfs_paired: pairs === undefined ? null : Number(median(pairs).toFixed(3)),
      marionette_ns_per_call: marionette === null ? null : Math.round(1e9 / marionette),
      memfs_ns_per_call: memfs === null ? null : Math.round(1e9 / memfs),
      marionette_loop_steps: sim?.steps ?? null,
      marionette_trace_bytes: sim?.trace_bytes ?? null,
      durable_matches: sim?.durable_matches ?? null,
      checksum: expected.toString(16),
      meets_target: ratio === null ? null : ratio >= TARGETS.ratio_vs_memfs,
    }
  }
  const report: Report = {
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    date: new Date().toISOString(),
    memfs: memfsVersion(),
    rounds: options.rounds,
    files: options.files,
    dirs: options.dirs,
    disk: DISK_OPTIONS,
    repetitions: options.reps,
    warmup: options.warmup,
    targets: TARGETS,
    workloads,
  }
  return { report, problems }
}

function formatRate(value: number | null): string {
  return value === null ? '-' : `${(value / 1e3).toFixed(1)} k/s`
}

function formatRatio(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}x`
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const began = performance.now()
  const { report, problems } = await benchmark(options, (line) => process.stderr.write(line + '\n'))
  const rows: string[][] = [['shape', 'calls', 'marionette', 'memfs', 'ratio_vs_memfs', 'paired', 'loop steps', 'durable', 'checksum']]
  for (const [key, shape] of Object.entries(report.workloads)) {
    rows.push([
      key,
      String(shape.calls),
      formatRate(shape.calls_per_s.marionette),
      formatRate(shape.calls_per_s.memfs),
      formatRatio(shape.ratio_vs_memfs),
      formatRatio(shape.ratio_vs_memfs_paired),
      String(shape.marionette_loop_steps ?? '-'),
      String(shape.durable_matches ?? '-'),
      shape.checksum,
    ])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd())
  const seconds = (performance.now() - began) / 1000
  console.log(
    `\n${options.rounds} rounds x ${options.files} files in ${options.dirs} dirs; fs/promises calls per second of wall time, ` +
      `median of ${options.reps} (after ${options.warmup} warm-up), ${seconds.toFixed(1)} s`,
  )
  console.log(
    `target: marionette >= ${TARGETS.ratio_vs_memfs}x memfs: ` +
      Object.entries(report.workloads)
        .map(([key, shape]) => `${key} ${shape.meets_target === null ? 'n/a' : shape.meets_target ? 'met' : 'NOT met'}`)
        .join(', '),
  )
  if (options.write) {
    writeResults('disk', report)
  }
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) process.exitCode = 1
}

function memfsVersion(): string {
  try {
    const file = path.join(findPackageRoot(), 'node_modules', 'memfs', 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

runIfMain(import.meta.url, main)

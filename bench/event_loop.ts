/**
 * The event-loop benchmark (docs/performance.md).
 *
 * Workload: `ticks` chained async ticks in total, split over `chains` concurrent
 * chains. Each tick awaits a timer of a seeded 1..1000 ms delay, folds (chain
 * index, now) into an order-sensitive hash shared by all chains, then awaits
 * three nested async calls. Every correct runner fires the timers in the same
 * order at the same simulated times, so it yields the same hash.
 *
 * Runners:
 * - `marionette`: the simulated event loop (`EventLoop.run` with `createTimers`).
 * - `fake_timers`: @sinonjs/fake-timers `createClock()` driven by `runAllAsync()`.
 * - `physical`: the same async work with no timers at all (the delays are summed
 *   into a per-chain "now" but nothing waits): the physical limit of the async
 *   work itself. With one chain its hash equals the others' (the running sum is the
 *   simulated time); with 100 chains the interleaving differs, and so does the hash.
 * - `physical_resolved` (for reference): as `physical`, but each tick still creates
 *   and awaits the promise a sleep would, already resolved: the same code with the
 *   timer made free, so the gap to it is the cost of the timers and the loop alone.
 * - `settle_floor` (for reference): the least a loop that settles microtasks after
 *   every macrotask can do: a bare typed-array heap of (due, seq) -> resolve and the
 *   same settle as marionette (a promise reaction, then one real nextTick), with no
 *   Timeout objects, budgets, refs, immediates or checks. Correct for this workload
 *   only (its hash must match); the gap from marionette to it is the loop's bookkeeping.
 *
 * Usage: `npm run bench` (or `node dist/bench/event_loop.js [--quick] [--only runner]
 * [--ticks N] [--reps N] [--no-write]`).
 */
import os from 'node:os'
import FakeTimers from '@sinonjs/fake-timers'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { EventLoop } from '../src/scheduler/loop.js'
import { createTimers } from '../src/scheduler/timers.js'
import { World } from '../src/world/world.js'
import { median, parseBenchArgs, reportRepetition, runIfMain, Samples, writeResults } from './harness.js'

export const RUNNERS = ['marionette', 'fake_timers', 'physical', 'physical_resolved', 'settle_floor'] as const
export type Runner = (typeof RUNNERS)[number]

export interface Workload {
  /** Ticks (timers fired) in total, over all chains. */
  readonly ticks: number
  readonly chains: number
  /** Delay in ms of each tick, chain by chain: chain c owns [starts[c], starts[c + 1]). */
  readonly delays: Uint16Array
  readonly starts: Uint32Array
}

export interface RunResult {
  hash: number
  /** Wall time of the run in milliseconds. */
  elapsed_ms: number
}

/** Builds the workload: the delays come from a seeded xoroshiro128+, identical for every runner. */
export function makeWorkload(ticks: number, chains: number, seed = 0x5eed): Workload {
  if (!Number.isSafeInteger(ticks) || ticks <= 0) throw new RangeError(`ticks must be a positive integer, got ${ticks}`)
  if (!Number.isSafeInteger(chains) || chains <= 0 || chains > ticks) {
    throw new RangeError(`chains must be an integer in [1, ticks], got ${chains}`)
  }
  const rng = xoroshiro128plus(seed)
  const delays = new Uint16Array(ticks)
  for (let i = 0; i < ticks; i++) delays[i] = uniformInt(rng, 1, 1000)
  const starts = new Uint32Array(chains + 1)
  const base = Math.floor(ticks / chains)
  const extra = ticks % chains
  for (let c = 0; c < chains; c++) starts[c + 1] = (starts[c] as number) + base + (c < extra ? 1 : 0)
  return { ticks, chains, delays, starts }
}

const FNV_PRIME = 0x01000193
const FNV_OFFSET = 0x811c9dc5 | 0

/** Order-sensitive fold of (chain, now) into the hash (FNV-1a over three 32-bit words). */
function fold(hash: number, chain: number, now: number): number {
  hash = Math.imul(hash ^ chain, FNV_PRIME)
  hash = Math.imul(hash ^ (now >>> 0), FNV_PRIME)
  return Math.imul(hash ^ Math.floor(now / 4294967296), FNV_PRIME)
}

/** Three nested awaits: nested(3) awaits nested(2), which awaits nested(1), which awaits nested(0). */
async function nested(depth: number): Promise<number> {
  if (depth === 0) return 0
  return (await nested(depth - 1)) + 1
}

// Each runner has its own chain function so that every call site stays monomorphic:
// one runner's timers must not slow down another's code.

/** The simulated event loop. */
export async function runMarionette(workload: Workload): Promise<RunResult> {
  const world = new World({ seed: 1 })
  const loop = new EventLoop(world)
  const timers = createTimers(loop)
  const clock = loop.clock
  const { delays, starts } = workload
  let hash = FNV_OFFSET
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      timers.setTimeout(resolve, ms)
    })
  const chain = async (c: number): Promise<void> => {
    const end = starts[c + 1] as number
    for (let i = starts[c] as number; i < end; i++) {
      await sleep(delays[i] as number)
      hash = fold(hash, c, clock.ms)
      await nested(3)
    }
  }
  const started = performance.now()
  await loop.run(async () => {
    const all: Promise<void>[] = []
    for (let c = 0; c < workload.chains; c++) all.push(chain(c))
    await Promise.all(all)
  })
  const elapsed_ms = performance.now() - started
  return { hash: hash >>> 0, elapsed_ms }
}

/** @sinonjs/fake-timers, its own clock (nothing installed globally), driven by runAllAsync. */
export async function runFakeTimers(workload: Workload): Promise<RunResult> {
  const clock = FakeTimers.createClock(0, workload.ticks * 2 + 1000)
  const { delays, starts } = workload
  let hash = FNV_OFFSET
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      clock.setTimeout(resolve as () => void, ms)
    })
  const chain = async (c: number): Promise<void> => {
    const end = starts[c + 1] as number
    for (let i = starts[c] as number; i < end; i++) {
      await sleep(delays[i] as number)
      hash = fold(hash, c, clock.now)
      await nested(3)
    }
  }
  const started = performance.now()
  const all: Promise<void>[] = []
  for (let c = 0; c < workload.chains; c++) all.push(chain(c))
  await clock.runAllAsync()
  await Promise.all(all)
  const elapsed_ms = performance.now() - started
  return { hash: hash >>> 0, elapsed_ms }
}

/** The same async work with no timers: the delays advance a per-chain "now" but nothing waits. */
export async function runPhysical(workload: Workload): Promise<RunResult> {
  const { delays, starts } = workload
  let hash = FNV_OFFSET
  const chain = async (c: number): Promise<void> => {
    const end = starts[c + 1] as number
    let now = 0
    for (let i = starts[c] as number; i < end; i++) {
      now += delays[i] as number
      hash = fold(hash, c, now)
      await nested(3)
    }
  }
  const started = performance.now()
  const all: Promise<void>[] = []
  for (let c = 0; c < workload.chains; c++) all.push(chain(c))
  await Promise.all(all)
  const elapsed_ms = performance.now() - started
  return { hash: hash >>> 0, elapsed_ms }
}

/** As `runPhysical`, but each tick creates and awaits an already-resolved promise where the sleep was. */
export async function runPhysicalResolved(workload: Workload): Promise<RunResult> {
  const { delays, starts } = workload
  let hash = FNV_OFFSET
  const sleep = (): Promise<void> =>
    new Promise<void>((resolve) => {
      resolve()
    })
  const chain = async (c: number): Promise<void> => {
    const end = starts[c + 1] as number
    let now = 0
    for (let i = starts[c] as number; i < end; i++) {
      await sleep()
      now += delays[i] as number
      hash = fold(hash, c, now)
      await nested(3)
    }
  }
  const started = performance.now()
  const all: Promise<void>[] = []
  for (let c = 0; c < workload.chains; c++) all.push(chain(c))
  await Promise.all(all)
  const elapsed_ms = performance.now() - started
  return { hash: hash >>> 0, elapsed_ms }
}

/** The bare minimum of a per-macrotask-settled loop, for this workload only (see the header). */
export async function runSettleFloor(workload: Workload): Promise<RunResult> {
  const { delays, starts } = workload
  let capacity = 256
  let due = new Float64Array(capacity)
  let order = new Float64Array(capacity)
  let callbacks: ((() => void) | null)[] = new Array<(() => void) | null>(capacity).fill(null)
  let size = 0
  let seq = 0
  let now = 0
  const push = (at: number, callback: () => void): void => {
    if (size === capacity) {
      capacity *= 2
      const next_due = new Float64Array(capacity)
      next_due.set(due)
      due = next_due
      const next_order = new Float64Array(capacity)
      next_order.set(order)
      order = next_order
      callbacks = callbacks.concat(new Array<null>(capacity - callbacks.length).fill(null))
    }
    const s = seq++
    let i = size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const parent_due = due[parent] as number
      if (parent_due < at || (parent_due === at && (order[parent] as number) < s)) break
      due[i] = parent_due
      order[i] = order[parent] as number
      callbacks[i] = callbacks[parent] as () => void
      i = parent
    }
    due[i] = at
    order[i] = s
    callbacks[i] = callback
  }
  const pop = (): (() => void) => {
    const top = callbacks[0] as () => void
    const last = --size
    const last_due = due[last] as number
    const last_order = order[last] as number
    const last_callback = callbacks[last] as () => void
    callbacks[last] = null
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= last) break
      const right = child + 1
      if (right < last) {
        const right_due = due[right] as number
        const left_due = due[child] as number
        if (right_due < left_due || (right_due === left_due && (order[right] as number) < (order[child] as number))) {
          child = right
        }
      }
      const child_due = due[child] as number
      if (child_due > last_due || (child_due === last_due && (order[child] as number) > last_order)) break
      due[i] = child_due
      order[i] = order[child] as number
      callbacks[i] = callbacks[child] as () => void
      i = child
    }
    if (last > 0) {
      due[i] = last_due
      order[i] = last_order
      callbacks[i] = last_callback
    }
    return top
  }

  let hash = FNV_OFFSET
  let live = workload.chains
  let finish: () => void = () => {}
  let fail: (error: Error) => void = () => {}
  const settled = Promise.resolve()
  const drive = (): void => {
    if (live === 0) return finish()
    if (size === 0) return fail(new Error('settle_floor: chains are waiting with no timer queued'))
    now = due[0] as number
    pop()()
    void settled.then(afterMicrotasks)
  }
  const afterMicrotasks = (): void => {
    process.nextTick(drive)
  }
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      push(now + ms, resolve)
    })
  const chain = async (c: number): Promise<void> => {
    const end = starts[c + 1] as number
    for (let i = starts[c] as number; i < end; i++) {
      await sleep(delays[i] as number)
      hash = fold(hash, c, now)
      await nested(3)
    }
    live--
  }
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    finish = resolve
    fail = reject
    for (let c = 0; c < workload.chains; c++) void chain(c)
    void settled.then(afterMicrotasks)
  })
  const elapsed_ms = performance.now() - started
  return { hash: hash >>> 0, elapsed_ms }
}

export function runWorkload(runner: Runner, workload: Workload): Promise<RunResult> {
  switch (runner) {
    case 'marionette':
      return runMarionette(workload)
    case 'fake_timers':
      return runFakeTimers(workload)
    case 'physical':
      return runPhysical(workload)
    case 'physical_resolved':
      return runPhysicalResolved(workload)
    case 'settle_floor':
      return runSettleFloor(workload)
  }
}

// ---- the benchmark -------------------------------------------------------------------------------

interface Options {
  ticks: number
  reps: number
  warmup: number
  only: Runner[]
  write: boolean
}

function parseArgs(argv: readonly string[]): Options {
  const args = parseBenchArgs(argv, { ticks: { default: 100_000, min: 100, max: 100_000_000 } }, RUNNERS)
  return { ticks: args.sizes.ticks, reps: args.reps, warmup: args.warmup, only: args.only, write: args.write }
}

/** The project's targets for the simulated loop on this workload. */
export const TARGETS = { ratio_vs_fake_timers: 2.0, ratio_vs_physical: 0.4 } as const

const SHAPES = [
  { key: 'chains_1', chains: 1 },
  { key: 'chains_100', chains: 100 },
] as const

function formatRate(value: number | null): string {
  return value === null ? '-' : `${(value / 1e6).toFixed(3)} M/s`
}

function formatRatio(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}x`
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const workloads = SHAPES.map((shape) => ({ ...shape, workload: makeWorkload(options.ticks, shape.chains) }))
  const samples = new Samples()
  const began = performance.now()

  const total = options.warmup + options.reps
  for (let rep = 0; rep < total; rep++) {
    const measured = rep >= options.warmup
    for (const { key, workload } of workloads) {
      // Rotate the runners' order each repetition so drift and GC pressure hit them alike.
      // No forced full GC between runs: once every object of a hidden class is dead, V8
      // collects the class and throws away the optimized code built on it, so each run
      // would measure re-warming (marionette fell from ~2.6 M to ~1 M events/s that way).
      for (let r = 0; r < options.only.length; r++) {
        const runner = options.only[(r + rep) % options.only.length] as Runner
        const result = await runWorkload(runner, workload)
        samples.add(`${key}/${runner}`, result.hash, options.ticks / (result.elapsed_ms / 1000), measured)
      }
    }
    reportRepetition(rep, options.warmup, options.reps)
  }

  const rate = (key: string, runner: Runner): number | null => {
    const list = samples.values(`${key}/${runner}`)
    return list === undefined ? null : Math.round(median(list))
  }
  const result: Record<string, unknown> = {}
  const rows: string[][] = [['shape', 'runner', 'events/s', 'vs fake_timers', 'vs physical']]
  let failed = false
  for (const { key } of workloads) {
    const marionette = rate(key, 'marionette')
    const fake_timers = rate(key, 'fake_timers')
    const physical = rate(key, 'physical')
    const physical_resolved = rate(key, 'physical_resolved')
    const settle_floor = rate(key, 'settle_floor')
    const ratio_vs_fake_timers = marionette !== null && fake_timers !== null ? marionette / fake_timers : null
    const ratio_vs_physical = marionette !== null && physical !== null ? marionette / physical : null
    const marionette_hash = samples.hash(`${key}/marionette`)
    const fake_hash = samples.hash(`${key}/fake_timers`)
    const hash_matches = marionette_hash !== undefined && fake_hash !== undefined ? marionette_hash === fake_hash : null
    if (hash_matches === false) failed = true
    const floor_hash = samples.hash(`${key}/settle_floor`)
    if (floor_hash !== undefined && marionette_hash !== undefined && floor_hash !== marionette_hash) {
      console.error(`${key}: settle_floor hash ${floor_hash} differs from marionette's ${marionette_hash}`)
      failed = true
    }
    result[key] = {
      events_per_s: { marionette, fake_timers, physical, physical_resolved, settle_floor },
      ratio_vs_fake_timers: ratio_vs_fake_timers === null ? null : Number(ratio_vs_fake_timers.toFixed(3)),
      ratio_vs_physical: ratio_vs_physical === null ? null : Number(ratio_vs_physical.toFixed(3)),
      ratio_vs_physical_resolved:
        marionette !== null && physical_resolved !== null ? Number((marionette / physical_resolved).toFixed(3)) : null,
      ratio_vs_settle_floor:
        marionette !== null && settle_floor !== null ? Number((marionette / settle_floor).toFixed(3)) : null,
      hash_matches,
      meets_targets:
        ratio_vs_fake_timers === null || ratio_vs_physical === null
          ? null
          : ratio_vs_fake_timers >= TARGETS.ratio_vs_fake_timers && ratio_vs_physical >= TARGETS.ratio_vs_physical,
    }
    for (const runner of options.only) {
      const own = rate(key, runner)
      rows.push([
        key,
        runner,
        formatRate(own),
        fake_timers === null || own === null ? '-' : formatRatio(own / fake_timers),
        physical === null || own === null ? '-' : formatRatio(own / physical),
      ])
    }
    if (hash_matches !== null) {
      rows.push([key, 'hash', hash_matches ? `match ${(marionette_hash as number).toString(16)}` : 'MISMATCH', '', ''])
    }
  }

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd())
  const seconds = (performance.now() - began) / 1000
  console.log(`\n${options.ticks} ticks per run, median of ${options.reps} (after ${options.warmup} warm-up), ${seconds.toFixed(1)} s`)
  console.log(
    `targets: marionette >= ${TARGETS.ratio_vs_fake_timers}x fake_timers and >= ${TARGETS.ratio_vs_physical}x physical: ` +
      workloads
        .map(({ key }) => {
          const met = (result[key] as { meets_targets: boolean | null }).meets_targets
          return `${key} ${met === null ? 'n/a' : met ? 'met' : 'NOT met'}`
        })
        .join(', '),
  )

  const report = {
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    date: new Date().toISOString(),
    ticks: options.ticks,
    repetitions: options.reps,
    targets: TARGETS,
    workloads: result,
  }
  if (options.write) {
    writeResults('event_loop', report)
  }
  if (failed) {
    console.error('the marionette and fake-timers hashes differ: one of them ran the timers out of order')
    process.exitCode = 1
  }
}

runIfMain(import.meta.url, main)

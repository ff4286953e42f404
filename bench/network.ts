/**
 * The network benchmark (docs/performance.md, "Network"): the cost of one
 * simulated message delivery against one bare timer event of the event-loop
 * benchmark, measured in the same process, interleaved.
 *
 * Workload: `ticks` chained async ticks in total, split over `chains`
 * concurrent chains. In the network runner, chain c owns two nodes (2c and
 * 2c+1): each tick sends one message from 2c to 2c+1 over a typed endpoint,
 * with a latency drawn per packet (uniform 1..1000 ms, the timer workload's
 * delays), awaits `receive()` on 2c+1, folds (chain index, message, now) into an
 * order-sensitive hash, then awaits three nested async calls, as the timer
 * workload does around its sleep. Everything a real run has stays on: the
 * `network.send` and `network.deliver` trace events, the latency draw, the
 * path's in-flight list and the endpoint's inbox.
 *
 * Runners:
 * - `timer`: the event-loop benchmark's `marionette` runner (bench/event_loop.ts) on the same
 *   shape: one `setTimeout` a tick.
 * - `delivery`: the network workload above: one send and one delivery a tick.
 *
 * `delivery_cost_vs_timer` is (delivery ns per tick) / (timer ns per tick): how many bare timer
 * events one message delivery costs. Target: at most 3.
 *
 * Usage: `npm run bench` (or `node dist/bench/network.js [--quick] [--ticks N] [--reps N] [--no-write]`).
 */
import os from 'node:os'
import { Latency } from '../src/net/faults.js'
import type { Endpoint } from '../src/net/endpoint.js'
import { Simulation } from '../src/sim/simulation.js'
import { makeWorkload, runMarionette, type RunResult } from './event_loop.js'
import { loadExamples } from '../src/cli/examples_loader.js'
import { median, parseBenchArgs, reportRepetition, runIfMain, Samples, writeResults } from './harness.js'

export const RUNNERS = ['timer', 'delivery'] as const
export type Runner = (typeof RUNNERS)[number]

/** The project's target: one delivery costs at most this many bare timer events. */
export const TARGETS = { delivery_cost_vs_timer: 3.0 } as const

const FNV_PRIME = 0x01000193
const FNV_OFFSET = 0x811c9dc5 | 0

function fold(hash: number, chain: number, message: number, now: number): number {
  hash = Math.imul(hash ^ chain, FNV_PRIME)
  hash = Math.imul(hash ^ message, FNV_PRIME)
  hash = Math.imul(hash ^ (now >>> 0), FNV_PRIME)
  return Math.imul(hash ^ Math.floor(now / 4294967296), FNV_PRIME)
}

async function nested(depth: number): Promise<number> {
  if (depth === 0) return 0
  return (await nested(depth - 1)) + 1
}

/** One send and one delivery a tick, over typed endpoints of a simulated network. */
export async function runDelivery(ticks: number, chains: number): Promise<RunResult> {
  const sim = new Simulation({
    seed: 1,
    network: {
      nodes: 2 * chains,
      faults: { latency: Latency.uniform(1_000_000, 999_000_000) },
    },
  })
  const clock = sim.world.clock
  const senders: Endpoint<number>[] = []
  const receivers: Endpoint<number>[] = []
  for (let c = 0; c < chains; c++) {
    senders.push(sim.network.endpoint<number>(2 * c, { peers: [2 * c + 1] }))
    receivers.push(sim.network.endpoint<number>(2 * c + 1, { peers: [] }))
  }
  const base = Math.floor(ticks / chains)
  const extra = ticks % chains
  let hash = FNV_OFFSET
  let delivered = 0
  const chain = async (c: number): Promise<void> => {
    const sender = senders[c] as Endpoint<number>
    const receiver = receivers[c] as Endpoint<number>
    const to = 2 * c + 1
    const count = base + (c < extra ? 1 : 0)
    for (let i = 0; i < count; i++) {
      sender.send(to, i)
      const { message } = await receiver.receive()
      hash = fold(hash, c, message, clock.ms)
      delivered++
      await nested(3)
    }
  }
  const started = performance.now()
  await sim.loop.run(async () => {
    const all: Promise<void>[] = []
    for (let c = 0; c < chains; c++) all.push(chain(c))
    await Promise.all(all)
  })
  const elapsed_ms = performance.now() - started
  if (delivered !== ticks) throw new Error(`delivery runner: ${delivered} deliveries, expected ${ticks}`)
  return { hash: hash >>> 0, elapsed_ms }
}

export function runShape(runner: Runner, ticks: number, chains: number): Promise<RunResult> {
  return runner === 'timer' ? runMarionette(makeWorkload(ticks, chains)) : runDelivery(ticks, chains)
}

// ---- the benchmark -------------------------------------------------------------------------------

interface Options {
  ticks: number
  reps: number
  warmup: number
  write: boolean
}

function parseArgs(argv: readonly string[]): Options {
  const args = parseBenchArgs(argv, { ticks: { default: 100_000, min: 100, max: 100_000_000 } }, [] as const)
  return { ticks: args.sizes.ticks, reps: args.reps, warmup: args.warmup, write: args.write }
}

const SHAPES = [
  { key: 'chains_1', chains: 1 },
  { key: 'chains_100', chains: 100 },
] as const

/** Seeds of the replicated-register swarm per measurement (one run each, no replay comparison). */
const SWARM_SEEDS = 200

export interface SwarmResult {
  readonly seeds: number
  readonly elapsed_ms: number
  /** `network.deliver` events over all seeds. */
  readonly deliveries: number
  readonly failing_seeds: readonly string[]
}

/**
 * The replicated-register swarm (examples/replicated_register under the swarm
 * profile's network faults) over `seeds` seeds, one run each: what a user's
 * sweep costs. Deliveries are counted from the traces after the clock stops.
 */
export async function runSwarm(seeds: number, base_seed = 0): Promise<SwarmResult> {
  const example = (await loadExamples()).findExample('replicated-register-swarm')
  if (example === undefined) throw new Error('the replicated-register-swarm example is missing')
  const reports = []
  const start = performance.now()
  for (let seed = base_seed; seed < base_seed + seeds; seed++) reports.push(await example.run({ seed, replay: false }))
  const elapsed_ms = performance.now() - start
  let deliveries = 0
  for (const report of reports) deliveries += report.traceText().split('\n').filter((line) => line.includes(' network.deliver ')).length
  return { seeds, elapsed_ms, deliveries, failing_seeds: reports.filter((report) => !report.passed).map((report) => report.seed.text) }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const samples = new Samples()
  const began = performance.now()
  const total = options.warmup + options.reps
  for (let rep = 0; rep < total; rep++) {
    const measured = rep >= options.warmup
    for (const { key, chains } of SHAPES) {
      // Rotate the runners' order each repetition so drift and GC pressure hit them alike.
      for (let r = 0; r < RUNNERS.length; r++) {
        const runner = RUNNERS[(r + rep) % RUNNERS.length] as Runner
        const result = await runShape(runner, options.ticks, chains)
        samples.add(`${key}/${runner}`, result.hash, (result.elapsed_ms * 1e6) / options.ticks, measured)
      }
    }
    reportRepetition(rep, options.warmup, options.reps)
  }

  const result: Record<string, unknown> = {}
  const rows: string[][] = [['shape', 'timer ns/event', 'delivery ns/message', 'delivery_cost_vs_timer']]
  let met_all = true
  for (const { key } of SHAPES) {
    const timer_ns = median(samples.values(`${key}/timer`) ?? [])
    const delivery_ns = median(samples.values(`${key}/delivery`) ?? [])
    const ratio = delivery_ns / timer_ns
    const meets = ratio <= TARGETS.delivery_cost_vs_timer
    met_all &&= meets
    result[key] = {
      timer_ns_per_event: Math.round(timer_ns),
      delivery_ns_per_message: Math.round(delivery_ns),
      timer_events_per_s: Math.round(1e9 / timer_ns),
      deliveries_per_s: Math.round(1e9 / delivery_ns),
      delivery_cost_vs_timer: Number(ratio.toFixed(3)),
      meets_target: meets,
    }
    rows.push([key, timer_ns.toFixed(0), delivery_ns.toFixed(0), `${ratio.toFixed(2)}x`])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd())
  const seconds = (performance.now() - began) / 1000
  console.log(`\n${options.ticks} ticks per run, median of ${options.reps} (after ${options.warmup} warm-up), ${seconds.toFixed(1)} s`)
  console.log(`target: delivery_cost_vs_timer <= ${TARGETS.delivery_cost_vs_timer}: ${met_all ? 'met' : 'NOT met'}`)

  // The swarm: seeds/s and messages/s of a realistic sweep (median of the same repetitions).
  const swarm_seeds = Math.max(10, Math.min(SWARM_SEEDS, Math.floor(options.ticks / 500)))
  const swarm_samples: SwarmResult[] = []
  for (let rep = 0; rep < options.warmup + options.reps; rep++) {
    const sample = await runSwarm(swarm_seeds)
    if (sample.failing_seeds.length > 0) throw new Error(`the register swarm failed on seeds ${sample.failing_seeds.join(', ')}`)
    if (rep >= options.warmup) swarm_samples.push(sample)
  }
  const swarm_ms = median(swarm_samples.map((sample) => sample.elapsed_ms))
  const swarm = {
    seeds: swarm_seeds,
    deliveries_per_run: swarm_samples[0]?.deliveries ?? 0,
    seeds_per_s: Math.round((swarm_seeds * 1000) / swarm_ms),
    messages_per_s: Math.round(((swarm_samples[0]?.deliveries ?? 0) * 1000) / swarm_ms),
  }
  console.log(`replicated-register swarm: ${swarm.seeds} seeds, ${swarm.deliveries_per_run} deliveries: ${swarm.seeds_per_s} seeds/s, ${swarm.messages_per_s} messages/s`)

  const report = {
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    date: new Date().toISOString(),
    ticks: options.ticks,
    repetitions: options.reps,
    targets: TARGETS,
    workloads: result,
    replicated_register_swarm: swarm,
  }
  if (options.write) {
    writeResults('network', report)
  }
}

runIfMain(import.meta.url, main)

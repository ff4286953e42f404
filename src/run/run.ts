import { enterSimulation, exitSimulation } from '../platform/active.js'
import { Simulation, type CheckResult, type SimulationOptions } from '../sim/simulation.js'
import { parseSeed, type Seed, type SeedInput } from '../world/seed.js'
import { compareTraces } from './replay.js'
import { RunFailure, RunReport } from './report.js'

/** A scenario over the whole simulation: `env` for application code, `control` for the harness. */
export type Scenario = (sim: Simulation) => void | Promise<void>

/** A named invariant evaluated after a scenario. */
export interface Check {
  readonly name: string
  readonly check: (sim: Simulation) => CheckResult
}

/** A named invariant over a stateful case's state. */
export interface StateCheck<State> {
  readonly name: string
  readonly check: (state: State) => CheckResult
}

/**
 * A stateful case: `init` builds the state from the run's simulation (and may
 * not record trace events); the scenario and the checks see only the state.
 */
export interface Case<State> {
  readonly name: string
  readonly init: (sim: Simulation) => State | Promise<State>
  readonly scenario: (state: State) => void | Promise<void>
  readonly checks?: readonly StateCheck<State>[]
}

export interface RunOptions extends Omit<SimulationOptions, 'seed' | 'name'> {
  seed: SeedInput
  name?: string
  /** Run twice and compare trace bytes (default true). */
  replay?: boolean
  /** Stateless checks, evaluated after the scenario. */
  checks?: readonly Check[]
}

export class InitRecordedTrace extends Error {
  override name = 'InitRecordedTrace'
}

type Body = (sim: Simulation) => Promise<(() => void) | void>

interface Attempt {
  sim: Simulation
  error: unknown
}

async function attempt(body: Body, options: SimulationOptions & { seed: Seed }): Promise<Attempt> {
  const sim = new Simulation(options)
  let error: unknown = null
  try {
    // The platform's globals and module wrappers serve this simulation (and its
    // leak tripwires watch the real ones) from here until the checks are done.
    enterSimulation(sim)
    try {
      const after = await sim.loop.run(() => body(sim))
      after?.()
      // A leak seen while the checks ran: the loop has stopped, so report it here.
      if (sim.loop.raised_error !== null) throw sim.loop.raised_error
    } finally {
      exitSimulation(sim)
    }
  } catch (caught) {
    error = caught
  }
  const world = sim.world
  try {
    if (error !== null) {
      const name = error instanceof Error ? error.name : 'thrown'
      const message = error instanceof Error ? error.message : String(error)
      world.recordFields('run.error', { name, message })
    }
    const outcome = error !== null ? 'error' : sim.check_failures.length > 0 ? 'check_failed' : 'passed'
    world.record('world.run_end', { now_ns: world.clock.nowNsText(), steps: sim.loop.steps, outcome })
  } catch (trace_error) {
    // A full trace cannot take the closing lines; the size-limit error says why.
    error ??= trace_error
  }
  return { sim, error }
}

async function execute(name: string, body: Body, options: RunOptions): Promise<RunReport> {
  const seed = parseSeed(options.seed)
  const sim_options = { ...options, seed, name }
  const first = await attempt(body, sim_options)
  const first_trace = first.sim.world.trace.bytes()
  let replay: 'identical' | 'diverged' | 'skipped' = 'skipped'
  let divergence = null
  if (options.replay ?? true) {
    const second = await attempt(body, sim_options)
    divergence = compareTraces(first_trace, second.sim.world.trace.bytes())
    replay = divergence === null ? 'identical' : 'diverged'
  }
  return new RunReport({
    name,
    seed,
    failures: first.sim.check_failures,
    error: first.error,
    replay,
    divergence,
    trace: first_trace,
    steps: first.sim.loop.steps,
    final_now_ns: first.sim.world.clock.nowNsText(),
    event_count: first.sim.world.trace.event_count,
  })
}

function runChecks(sim: Simulation, checks: readonly Check[] | undefined): void {
  for (const check of checks ?? []) sim.check(check.name, () => check.check(sim))
}

/** Runs a scenario (twice, comparing traces, unless `replay: false`) and reports; never throws for a failed run. */
export function run(scenario: Scenario, options: RunOptions): Promise<RunReport> {
  return execute(options.name ?? 'run', async (sim) => {
    await scenario(sim)
    return () => runChecks(sim, options.checks)
  }, options)
}

/** Runs a stateful case and reports; never throws for a failed run. */
export function runCase<State>(test_case: Case<State>, options: RunOptions): Promise<RunReport> {
  return execute(options.name ?? test_case.name, async (sim) => {
    const events_before = sim.world.trace.event_count
    const state = await test_case.init(sim)
    if (sim.world.trace.event_count !== events_before) {
      throw new InitRecordedTrace(
        `case ${test_case.name}: init recorded trace events; initialisation must not trace (move the events into the scenario)`,
      )
    }
    await test_case.scenario(state)
    return () => {
      runChecks(sim, options.checks)
      for (const check of test_case.checks ?? []) sim.check(check.name, () => check.check(state))
    }
  }, options)
}

type Runnable<State> = Scenario | Case<State>

function runRunnable<State>(runnable: Runnable<State>, options: RunOptions): Promise<RunReport> {
  return typeof runnable === 'function' ? run(runnable, options) : runCase(runnable, options)
}

/** Runs and throws a `RunFailure` unless the run passed (checks, errors and replay all clean). */
export async function expectPass<State>(runnable: Runnable<State>, options: RunOptions): Promise<RunReport> {
  const report = await runRunnable(runnable, options)
  if (!report.passed) throw new RunFailure(report)
  return report
}

export interface ExpectFailureOptions extends RunOptions {
  /** The check that must fail; without it any check failure or error counts. */
  check?: string
}

/**
 * Runs and throws unless the run failed as expected: deterministically, and
 * (with `check`) through that named check.
 */
export async function expectFailure<State>(runnable: Runnable<State>, options: ExpectFailureOptions): Promise<RunReport> {
  const report = await runRunnable(runnable, options)
  if (report.outcome === 'nondeterministic') {
    throw new RunFailure(report, `run ${report.name} failed, but not reproducibly: the same seed gave two different traces`)
  }
  if (report.passed) {
    throw new RunFailure(report, `run ${report.name} was expected to fail${options.check ? ` check ${options.check}` : ''}, but passed`)
  }
  if (options.check !== undefined && !report.failedCheck(options.check)) {
    throw new RunFailure(report, `run ${report.name} failed, but not through check ${options.check}`)
  }
  return report
}

export interface FuzzOptions extends Omit<RunOptions, 'seed'> {
  /** How many seeds (counting up from `base_seed`), or an explicit list. */
  seeds: number | readonly SeedInput[]
  /** First seed of a counted sweep (a u64; default 0). */
  base_seed?: SeedInput
}

export interface FuzzReport {
  readonly runs: number
  readonly failing_seeds: readonly string[]
  readonly reports: readonly RunReport[]
}

const U64_MODULUS = 1n << 64n

/** The seeds of a sweep: an explicit list, or `count` consecutive u64 seeds from `base_seed`. */
export function fuzzSeeds(seeds: number | readonly SeedInput[], base_seed: SeedInput = 0): Seed[] {
  if (typeof seeds !== 'number') return seeds.map((seed) => parseSeed(seed))
  if (!Number.isSafeInteger(seeds) || seeds <= 0) throw new RangeError(`seeds must be a positive integer count, got ${seeds}`)
  const base = parseSeed(base_seed)
  if (base.kind !== 'u64') throw new RangeError('base_seed of a counted sweep must be a u64 seed, not a git hash')
  const start = BigInt(base.text)
  return Array.from({ length: seeds }, (_, i) => parseSeed((start + BigInt(i)) % U64_MODULUS))
}

/** Runs many seeds; throws a `RunFailure` for the first failing seed, naming every failing seed. */
export async function sweep<State>(runnable: Runnable<State>, options: FuzzOptions): Promise<FuzzReport> {
  const reports: RunReport[] = []
  for (const seed of fuzzSeeds(options.seeds, options.base_seed)) {
    reports.push(await runRunnable(runnable, { ...options, seed }))
  }
  const failing = reports.filter((report) => !report.passed)
  return { runs: reports.length, failing_seeds: failing.map((report) => report.seed.text), reports }
}

/** Runs many seeds and throws a `RunFailure` for the first failing one, naming every failing seed. */
export async function expectFuzz<State>(runnable: Runnable<State>, options: FuzzOptions): Promise<FuzzReport> {
  const result = await sweep(runnable, options)
  const first_failure = result.reports.find((report) => !report.passed)
  if (first_failure !== undefined) {
    throw new RunFailure(
      first_failure,
      `${result.failing_seeds.length} of ${result.runs} seeds failed (${result.failing_seeds.join(', ')}); first: ${first_failure.headline()}`,
    )
  }
  return result
}

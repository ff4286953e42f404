/**
 * Running one seed of a simulated test inside a Vitest test body, and
 * reporting a failed seed the way every reporter can carry it: the error
 * message (checks, seed, summary, `replay:` line), an annotation and an
 * artifact holding the whole trace, the trace file under
 * `.marionette/traces/`, and `task.meta` for JSON and JUnit consumers and the
 * seed reporter.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { recordArtifact, type TestContext } from 'vitest'
import type { DiskOptions } from '../src/disk/options.js'
import type { NetworkOptions } from '../src/net/network.js'
import { withProfile, type ProfileName } from '../src/run/profiles.js'
import type { RunReport } from '../src/run/report.js'
import { run, type RunOptions } from '../src/run/run.js'
import type { Env } from '../src/sim/env.js'
import type { CheckResult, Control } from '../src/sim/simulation.js'
import type { Trace } from '../src/world/trace.js'
import type { World } from '../src/world/world.js'
import type { Seed, SeedInput } from '../src/world/seed.js'
import { sanitizeName } from './seeds.js'
import type { SimRunConfig } from './vitest_config.js'

/** The fixtures of a simulated test, taken from the simulation of the current attempt. */
export interface SimFixtures {
  /** The simulated world: seed, clock, named random streams, trace. */
  readonly world: World
  /** The application-facing surface (clock, random, timers, sleep, buggify, record). */
  readonly env: Env
  /** The harness-facing surface: ticks and faults. */
  readonly control: Control
  /** The seed of this run (pinned, derived from the run seed and the test's name, or one seed of a sweep). */
  readonly seed: Seed
  /** Evaluates a named invariant now; a failure fails the test at its end (the body carries on). */
  readonly check: (name: string, predicate: () => CheckResult) => boolean
  /** The trace of the current attempt. */
  readonly trace: Trace
}

export type SimTestContext<Extra = object> = TestContext & SimFixtures & Extra
export type SimTestFunction<Extra = object> = (context: SimTestContext<Extra>) => void | Promise<void>

/** The options of `test.sim` and `test.sim.fuzz` that shape each run. */
export interface SimRunOptions {
  /** A named profile (`smoke`, `swarm`, `replay`, `performance`); options given here win over it. */
  profile?: ProfileName
  /** Runs twice and compares trace bytes (default: the profile's, else true). */
  replay?: boolean
  /** Macrotasks the simulation may run before it fails as runaway. */
  max_steps?: number
  /** Simulated nanoseconds the run may reach before it fails. */
  max_time_ns?: number | bigint
  /** The trace's size limit in bytes. */
  max_trace_bytes?: number
  /** Seeded choice among tasks due at the same instant. */
  explore?: boolean
  /** The simulated disk: sector size, latency, capacity, faults (docs/disk.md). */
  disk?: DiskOptions
  /** The simulated network: its nodes (required to use it), capacities, faults (docs/network.md). */
  network?: NetworkOptions
}

declare module 'vitest' {
  interface TaskMeta {
    /** The seed a `test.sim` test ran with (canonical text), for JSON and JUnit consumers. */
    marionette_seed?: string
    /** The run seed it was derived from (what `MARIONETTE_SEED` replays). */
    marionette_run_seed?: string
    /** A failed seed: what the seed reporter prints. */
    marionette_failure?: FailureMeta
    /** A sweep's seeds (`test.sim.fuzz`). */
    marionette_fuzz?: FuzzMeta
    /** Set at registration on `test.sim.fuzz` tests (a shard running a file only for its sweeps runs these). */
    marionette_sweep?: boolean
    /** Seeds that failed or passed, for the failing-seed memory. */
    marionette_memory?: { key: string; failed: string[]; passed: string[] }
  }
  interface TestArtifactRegistry {
    'marionette:trace': TraceArtifact
  }
}

export interface FailureMeta {
  readonly seed: string
  readonly headline: string
  readonly replay: string
  /** The trace file, relative to the working directory, or null when it could not be written. */
  readonly trace_file: string | null
}

export interface FuzzMeta {
  readonly profile: string | null
  readonly shard: string | null
  readonly seeds_run: string[]
  readonly failing_seeds: string[]
}

/** The artifact a failed seed records: the whole trace as an attachment, with the seed and the replay command. */
export interface TraceArtifact {
  type: 'marionette:trace'
  seed: string
  replay: string
  attachments?: { contentType?: string; path?: string; body?: string | Uint8Array; bodyEncoding?: 'base64' | 'utf-8' }[]
  location?: { file: string; line: number; column: number }
}

/**
 * One simulation is active per thread at a time (`src/platform/active.ts`):
 * simulated tests registered with `.concurrent` take turns here.
 */
let turn: Promise<void> = Promise.resolve()

async function oneAtATime<T>(body: () => Promise<T>): Promise<T> {
  const previous = turn
  let release = (): void => {}
  turn = new Promise<void>((resolve) => (release = resolve))
  await previous
  try {
    return await body()
  } finally {
    release()
  }
}

/** The run options for one seed: the profile's, then the test's own. */
export function runOptionsFor(seed: Seed, full_name: string, options: SimRunOptions, overrides: Partial<RunOptions> = {}): RunOptions {
  // The trace holds the name as one token: printable ASCII without spaces.
  const run_options: RunOptions = { seed, name: sanitizeName(full_name) }
  if (options.replay !== undefined) run_options.replay = options.replay
  if (options.max_steps !== undefined) run_options.max_steps = options.max_steps
  if (options.max_time_ns !== undefined) run_options.max_time_ns = options.max_time_ns
  if (options.max_trace_bytes !== undefined) run_options.max_trace_bytes = options.max_trace_bytes
  if (options.explore !== undefined) run_options.explore = options.explore
  if (options.disk !== undefined) run_options.disk = options.disk
  if (options.network !== undefined) run_options.network = options.network
  Object.assign(run_options, overrides)
  return options.profile === undefined ? run_options : withProfile(options.profile, run_options)
}

/** Runs `fn` under one seed (twice unless replay is off) with the fixtures; never throws for a failed run. */
export function runSeed(context: TestContext, fn: SimTestFunction, seed: Seed, run_options: RunOptions): Promise<RunReport> {
  return oneAtATime(() =>
    run(async (sim) => {
      const fixtures: SimFixtures = {
        world: sim.world,
        env: sim.env,
        control: sim.control,
        seed,
        check: (check_name, predicate) => sim.check(check_name, predicate),
        trace: sim.world.trace,
      }
      // The user's context: Vitest's own (task, annotate, expect, user fixtures) under the fixtures.
      await fn(Object.assign(Object.create(context) as TestContext, fixtures))
    }, run_options),
  )
}

/** A path as the user should see it: relative to the working directory when inside it. */
export function shownPath(path: string): string {
  const relative_path = relative(process.cwd(), path)
  return relative_path.startsWith('..') || isAbsolute(relative_path) ? path : relative_path
}

function writeTrace(root: string, full_name: string, report: RunReport): { path: string | null; note: string } {
  try {
    const folder = join(root, '.marionette', 'traces')
    mkdirSync(folder, { recursive: true })
    const path = join(folder, `${sanitizeName(full_name)}-${report.seed.text}.trace`)
    writeFileSync(path, report.trace)
    return { path, note: `trace: ${shownPath(path)}\n` }
  } catch (error) {
    return { path: null, note: `trace not written: ${error instanceof Error ? error.message : String(error)}\n` }
  }
}

/**
 * Fails the test for `report`: attaches the trace (annotation and artifact,
 * before throwing, since both refuse once the test has failed), writes it to
 * `.marionette/traces/`, records the failure in `task.meta`, and throws an
 * error holding the summary and the `replay:` line.
 */
export async function failWith(
  context: TestContext,
  report: RunReport,
  full_name: string,
  replay_command: string,
  config: SimRunConfig | undefined,
  registered_at: string,
  headline_prefix = '',
): Promise<never> {
  const root = config?.root ?? process.cwd()
  // Written first: annotation and artifact then point at the one file (Vitest copies it once for
  // the HTML report) instead of carrying the whole trace through the worker channel.
  const written = writeTrace(root, full_name, report)
  const attachment = written.path !== null ? { contentType: 'text/plain', path: written.path } : { contentType: 'text/plain', body: report.traceText(), bodyEncoding: 'utf-8' as const }
  // No punctuation in the message: the HTML report names the downloaded file after it.
  await context.annotate(`marionette trace seed ${report.seed.text}`, 'marionette.trace', { ...attachment })
  const artifact: TraceArtifact = { type: 'marionette:trace', seed: report.seed.text, replay: replay_command, attachments: [{ ...attachment }] }
  try {
    await recordArtifact(context.task, artifact)
  } catch {
    // A runner without artifact support still has the annotation and the file.
  }
  context.task.meta.marionette_failure = {
    seed: report.seed.text,
    headline: `${headline_prefix}${report.headline()}`,
    replay: replay_command,
    trace_file: written.path === null ? null : shownPath(written.path),
  }
  const error = new Error(`${headline_prefix}${report.writeSummary()}${written.note}replay: ${replay_command}`)
  error.name = 'SimulationFailed'
  pointAtTest(error, context.task.file.filepath, registered_at)
  throw error
}

/**
 * Puts the line that registered the test at the top of the error's stack: the
 * failure belongs to that test, and reporters that place errors by the nearest
 * test-file frame (GitHub Actions annotations, the code frame) find it.
 */
function pointAtTest(error: Error, test_file: string, registered_at: string): void {
  const frame = registered_at.split('\n').find((line) => line.trimStart().startsWith('at ') && line.includes(test_file))
  if (frame === undefined || error.stack === undefined) return
  const first_frame = error.stack.indexOf('\n    at ')
  const rest = first_frame === -1 ? '' : error.stack.slice(first_frame)
  error.stack = `${error.name}: ${error.message}\n${frame}${rest}`
}

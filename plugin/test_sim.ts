/**
 * `test.sim(name, fn, options?)`: a Vitest test whose body runs inside a
 * simulation, through the runner (`src/run/run.ts`: twice, comparing traces,
 * unless `replay: false`).
 *
 * `.sim` is built with `TestRunner.createChainable`, so it registers ordinary
 * Vitest tests: `-t`, `file:line`, `.only`, `.skip`, `.todo`, `.fails`,
 * `.concurrent`, timeouts and `meta` work, and the location is the user's line.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { inject, test as base, TestRunner, type TestAPI, type TestContext } from 'vitest'
import { run, type RunOptions } from '../src/run/run.js'
import type { RunReport } from '../src/run/report.js'
import type { Env } from '../src/sim/env.js'
import type { CheckResult, Control } from '../src/sim/simulation.js'
import type { Trace } from '../src/world/trace.js'
import type { World } from '../src/world/world.js'
import { parseSeed, type Seed, type SeedInput } from '../src/world/seed.js'
import { deriveTestSeed, replayCommand, resolveRunSeed, sanitizeName, SEED_ENV, type RunSeed } from './seeds.js'
import { SIM_PROVIDE_KEY, type SimRunConfig } from './vitest_config.js'

declare module 'vitest' {
  interface TaskMeta {
    /** The seed a `test.sim` test ran with (canonical text), for JSON and JUnit consumers. */
    marionette_seed?: string
    /** The run seed it was derived from (what `MARIONETTE_SEED` replays). */
    marionette_run_seed?: string
  }
}

/** The fixtures of a simulated test, taken from the simulation of the current attempt. */
export interface SimFixtures {
  /** The simulated world: seed, clock, named random streams, trace. */
  readonly world: World
  /** The application-facing surface (clock, random, timers, sleep, buggify, record). */
  readonly env: Env
  /** The harness-facing surface: ticks and faults. */
  readonly control: Control
  /** The seed of this test (pinned, or derived from the run seed and the test's full name). */
  readonly seed: Seed
  /** Evaluates a named invariant now; a failure fails the test at its end (the body carries on). */
  readonly check: (name: string, predicate: () => CheckResult) => boolean
  /** The trace of the current attempt. */
  readonly trace: Trace
}

export type SimTestContext = TestContext & SimFixtures
export type SimTestFunction = (context: SimTestContext) => void | Promise<void>

/** The third argument of `test.sim` (a number is Vitest's timeout in milliseconds). */
export interface SimTestOptions {
  /** Pins the seed instead of deriving it from the run seed and the test's name. */
  seed?: SeedInput
  /** Runs twice and compares trace bytes (default true). */
  replay?: boolean
  /** Macrotasks the simulation may run before it fails as runaway. */
  max_steps?: number
  /** Simulated nanoseconds the run may reach before it fails. */
  max_time_ns?: number | bigint
  /** The trace's size limit in bytes. */
  max_trace_bytes?: number
  /** Seeded choice among tasks due at the same instant. */
  explore?: boolean
  /** Vitest's timeout for this test, in real milliseconds. */
  timeout?: number
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['seed', 'replay', 'max_steps', 'max_time_ns', 'max_trace_bytes', 'explore', 'timeout'])

/** `test.sim` and its modifiers. */
export interface SimTestAPI {
  (name: string, fn?: SimTestFunction, options?: SimTestOptions | number): void
  readonly only: SimTestAPI
  readonly skip: SimTestAPI
  readonly todo: SimTestAPI
  readonly fails: SimTestAPI
  readonly concurrent: SimTestAPI
}

/** Vitest's `test` with `.sim`. */
export type MarionetteTestAPI = TestAPI & { readonly sim: SimTestAPI }

function checkOptions(name: string, options: SimTestOptions | number | undefined): SimTestOptions {
  if (options === undefined) return {}
  if (typeof options === 'number') return { timeout: options }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`test.sim(${JSON.stringify(name)}): options must be an object or a timeout in milliseconds, got ${String(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (key === 'profile') {
      throw new TypeError(
        `test.sim(${JSON.stringify(name)}): unknown option "profile": profiles are not supported yet (known options: ${[...OPTION_KEYS].join(', ')})`,
      )
    }
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(`test.sim(${JSON.stringify(name)}): unknown option ${JSON.stringify(key)} (known options: ${[...OPTION_KEYS].join(', ')})`)
    }
  }
  // A bad pinned seed is a mistake in the test file: say so where it is registered.
  if (options.seed !== undefined) parseSeed(options.seed)
  return options
}

type TaskLike = { name: string; suite?: TaskLike | undefined; filepath?: string }

/** The test's name with its suites' names, joined with spaces (what `-t` matches). */
export function fullTestName(task: TaskLike): string {
  const names = [task.name]
  for (let suite = task.suite; suite !== undefined && suite.filepath === undefined; suite = suite.suite) names.unshift(suite.name)
  return names.join(' ')
}

function simConfig(): SimRunConfig | undefined {
  try {
    return inject(SIM_PROVIDE_KEY)
  } catch {
    return undefined
  }
}

function runSeed(config: SimRunConfig | undefined): RunSeed {
  return resolveRunSeed(process.env[SEED_ENV], config?.sequence_seed)
}

async function reportFailure(context: TestContext, report: RunReport, run_seed: Seed, full_name: string, config: SimRunConfig | undefined): Promise<never> {
  const root = config?.root ?? process.cwd()
  const cwd = process.cwd()
  const file = context.task.file.filepath
  const relative_file = relative(cwd, file)
  const shown_file = relative_file.startsWith('..') || isAbsolute(relative_file) ? file : relative_file
  const relative_root = relative(cwd, root)
  const command = replayCommand(run_seed, shown_file, full_name, relative_root === '' ? undefined : relative_root)
  const trace_text = report.traceText()
  // annotate throws once the test has failed: attach before throwing.
  await context.annotate('marionette trace', 'marionette.trace', { contentType: 'text/plain', body: trace_text })
  let written = ''
  try {
    const folder = join(root, '.marionette', 'traces')
    mkdirSync(folder, { recursive: true })
    const path = join(folder, `${sanitizeName(full_name)}-${report.seed.text}.trace`)
    writeFileSync(path, report.trace)
    written = `trace: ${relative(cwd, path)}\n`
  } catch (error) {
    written = `trace not written: ${error instanceof Error ? error.message : String(error)}\n`
  }
  const error = new Error(`${report.writeSummary()}${written}replay: ${command}`)
  error.name = 'SimulationFailed'
  throw error
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

function simBody(fn: SimTestFunction, options: SimTestOptions): () => Promise<void> {
  // No declared parameter: Vitest parses a test function's parameters to pick
  // fixtures (and rejects anything but a destructuring pattern), so the context
  // is read from `arguments`.
  return async function marionetteSimTest(): Promise<void> {
    // eslint-disable-next-line prefer-rest-params
    const context = arguments[0] as TestContext
    const full_name = fullTestName(context.task as unknown as TaskLike)
    const config = simConfig()
    const run_seed = runSeed(config)
    const seed = options.seed !== undefined ? parseSeed(options.seed) : deriveTestSeed(run_seed.seed, full_name)
    context.task.meta.marionette_seed = seed.text
    if (options.seed === undefined) context.task.meta.marionette_run_seed = run_seed.seed.text
    // The trace holds the name as one token: printable ASCII without spaces.
    const run_options: RunOptions = { seed, name: sanitizeName(full_name) }
    if (options.replay !== undefined) run_options.replay = options.replay
    if (options.max_steps !== undefined) run_options.max_steps = options.max_steps
    if (options.max_time_ns !== undefined) run_options.max_time_ns = options.max_time_ns
    if (options.max_trace_bytes !== undefined) run_options.max_trace_bytes = options.max_trace_bytes
    if (options.explore !== undefined) run_options.explore = options.explore
    const report = await oneAtATime(() => run(async (sim) => {
      const fixtures: SimFixtures = {
        world: sim.world,
        env: sim.env,
        control: sim.control,
        seed,
        check: (check_name, predicate) => sim.check(check_name, predicate),
        trace: sim.world.trace,
      }
      // The user's context: Vitest's own (task, annotate, expect, ...) under the fixtures.
      await fn(Object.assign(Object.create(context) as TestContext, fixtures))
    }, run_options))
    if (!report.passed) await reportFailure(context, report, options.seed !== undefined ? seed : run_seed.seed, full_name, config)
  }
}

type Modifiers = Record<'only' | 'skip' | 'todo' | 'fails' | 'concurrent', boolean | undefined>

function register(this: Modifiers, name: string, fn?: SimTestFunction, raw_options?: SimTestOptions | number): void {
  const options = checkOptions(name, raw_options)
  type Register = (name: string, fn: () => Promise<void>, timeout?: number) => void
  type Chain = Register & { only: Chain; skip: Chain; fails: Chain; concurrent: Chain }
  let target = base as unknown as Chain
  if (this.only) target = target.only
  if (this.skip) target = target.skip
  if (this.fails) target = target.fails
  if (this.concurrent) target = target.concurrent
  if (this.todo || fn === undefined) {
    base.todo(name)
    return
  }
  target(name, simBody(fn, options), options.timeout)
}

const sim = TestRunner.createChainable(['only', 'skip', 'todo', 'fails', 'concurrent'], register) as unknown as SimTestAPI

/**
 * Vitest's `test`, with `test.sim` for simulated tests. A view of Vitest's own
 * `test` (nothing runs at import, so the config file may import this module
 * along with the plugin, and Vitest's `test` itself is left unchanged).
 */
export const test: MarionetteTestAPI = new Proxy(base, {
  get: (target, key, receiver) => (key === 'sim' ? sim : Reflect.get(target, key, receiver)),
  has: (target, key) => key === 'sim' || Reflect.has(target, key),
}) as MarionetteTestAPI

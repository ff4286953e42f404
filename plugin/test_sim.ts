/**
 * `test.sim(name, fn, options?)` and `test.sim.fuzz(name, fn, options?)`:
 * Vitest tests whose body runs inside a simulation, through the runner
 * (`src/run/run.ts`).
 *
 * Both are built with `TestRunner.createChainable`, so they register ordinary
 * Vitest tests: `-t`, `file:line`, `.only`, `.skip`, `.todo`, `.fails`,
 * `.concurrent`, timeouts and `meta` work, and the location is the user's line.
 * `test.extend(...)` keeps `.sim`, with the user's fixtures in the context.
 */
import { relative } from 'node:path'
import type { Fixtures } from '@vitest/runner'
import { inject, test as base, TestRunner, type TestAPI, type TestContext } from 'vitest'
import { profile, PROFILE_NAMES, type ProfileName } from '../src/run/profiles.js'
import type { RunReport } from '../src/run/report.js'
import { parseSeed, type Seed, type SeedInput } from '../src/world/seed.js'
import { memoryKey } from './failure_memory.js'
import { deriveSweepSeeds, deriveTestSeed, pinnedReplayCommand, replayCommand, resolveReplaySeed, resolveRunSeed, REPLAY_SEED_ENV, SEED_ENV, type RunSeed } from './seeds.js'
import { failWith, runOptionsFor, runSeed, shownPath, type SimRunOptions, type SimTestFunction } from './sim_run.js'
import { SIM_PROVIDE_KEY, type SimRunConfig } from './vitest_config.js'

export type { SimFixtures, SimTestContext, SimTestFunction, SimRunOptions } from './sim_run.js'

/** The third argument of `test.sim` (a number is Vitest's timeout in milliseconds). */
export interface SimTestOptions extends SimRunOptions {
  /** Pins the seed instead of deriving it from the run seed and the test's name. */
  seed?: SeedInput
  /** Vitest's timeout for this test, in real milliseconds. */
  timeout?: number
}

/** The third argument of `test.sim.fuzz`. */
export interface SimFuzzOptions extends SimRunOptions {
  /** How many seeds (derived from the run seed and the test's name), or an explicit list; default: the profile's count, else 10. */
  seeds?: number | readonly SeedInput[]
  /** Vitest's timeout for the whole sweep, in real milliseconds (default 300000). */
  timeout?: number
}

const RUN_KEYS = ['profile', 'replay', 'max_steps', 'max_time_ns', 'max_trace_bytes', 'explore', 'disk', 'network', 'timeout'] as const
const SIM_KEYS: ReadonlySet<string> = new Set(['seed', ...RUN_KEYS])
const FUZZ_KEYS: ReadonlySet<string> = new Set(['seeds', ...RUN_KEYS])

/** A sweep's default timeout: long enough for hundreds of seeds; a runaway seed is still stopped by its own budget. */
export const DEFAULT_FUZZ_TIMEOUT_MS = 300_000
const DEFAULT_FUZZ_SEEDS = 10

type Modifiers = Record<'only' | 'skip' | 'todo' | 'fails' | 'concurrent', boolean | undefined>

/** `test.sim` and its modifiers (`Extra`: the fixtures of a `test.extend(...)`). */
export interface SimTestAPI<Extra = object> {
  (name: string, fn?: SimTestFunction<Extra>, options?: SimTestOptions | number): void
  readonly only: SimTestAPI<Extra>
  readonly skip: SimTestAPI<Extra>
  readonly todo: SimTestAPI<Extra>
  readonly fails: SimTestAPI<Extra>
  readonly concurrent: SimTestAPI<Extra>
  /** Sweeps many seeds in one test. */
  readonly fuzz: SimFuzzAPI<Extra>
}

/** `test.sim.fuzz` and its modifiers. */
export interface SimFuzzAPI<Extra = object> {
  (name: string, fn?: SimTestFunction<Extra>, options?: SimFuzzOptions | number): void
  readonly only: SimFuzzAPI<Extra>
  readonly skip: SimFuzzAPI<Extra>
  readonly todo: SimFuzzAPI<Extra>
  readonly fails: SimFuzzAPI<Extra>
  readonly concurrent: SimFuzzAPI<Extra>
}

type Merged<T, Extra> = { [K in keyof T | keyof Extra]: K extends keyof T ? T[K] : K extends keyof Extra ? Extra[K] : never }

/**
 * Vitest's `test` (or a `test.extend(...)` result) with `.sim`. The object
 * form of `extend` is typed to keep `.sim`; the builder forms
 * (`extend('name', fn)`) keep it at run time, typed as Vitest's own.
 */
export type MarionetteTestAPI<Extra = object> = {
  readonly sim: SimTestAPI<Extra>
  extend<T extends Record<string, any> = object>(fixtures: Fixtures<T, Extra>): MarionetteTestAPI<Merged<T, Extra>>
} & TestAPI<Extra>

/** An invalid `test.sim` option: thrown where the test is registered, naming the test and the known options. */
export class InvalidSimOption extends TypeError {
  override name = 'InvalidSimOption'
}

function checkOptions<O extends SimTestOptions | SimFuzzOptions>(api: string, name: string, options: O | number | undefined, keys: ReadonlySet<string>): O {
  if (options === undefined) return {} as O
  if (typeof options === 'number') return { timeout: options } as O
  const where = `${api}(${JSON.stringify(name)})`
  if (typeof options !== 'object' || options === null) throw new InvalidSimOption(`${where}: options must be an object or a timeout in milliseconds, got ${String(options)}`)
  for (const key of Object.keys(options)) {
    if (!keys.has(key)) throw new InvalidSimOption(`${where}: unknown option ${JSON.stringify(key)} (known options: ${[...keys].join(', ')})`)
  }
  if (options.profile !== undefined) {
    try {
      profile(options.profile)
    } catch (error) {
      throw new InvalidSimOption(`${where}: ${(error as Error).message}`)
    }
  }
  // A bad pinned seed is a mistake in the test file: say so where it is registered.
  if ('seed' in options && options.seed !== undefined) parseSeed(options.seed)
  if ('seeds' in options && options.seeds !== undefined) {
    const seeds = options.seeds
    if (typeof seeds === 'number') {
      if (!Number.isSafeInteger(seeds) || seeds <= 0) throw new InvalidSimOption(`${where}: seeds must be a positive integer count or a list of seeds, got ${seeds}`)
    } else if (!Array.isArray(seeds) || seeds.length === 0) {
      throw new InvalidSimOption(`${where}: seeds must be a positive integer count or a non-empty list of seeds`)
    } else {
      for (const seed of seeds) parseSeed(seed)
    }
  }
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

/** Where a test is, as the replay command and the failure memory name it. */
interface TestPlace {
  readonly full_name: string
  /** The test file as the replay command shows it (relative to the working directory when inside it). */
  readonly shown_file: string
  /** `--root` for the replay command when the project root is not the working directory. */
  readonly root_argument: string | undefined
  readonly memory_key: string
}

function place(context: TestContext, config: SimRunConfig | undefined): TestPlace {
  const full_name = fullTestName(context.task as unknown as TaskLike)
  const file = context.task.file.filepath
  const root = config?.root ?? process.cwd()
  const relative_root = relative(process.cwd(), root)
  return {
    full_name,
    shown_file: shownPath(file),
    root_argument: relative_root === '' ? undefined : relative_root,
    memory_key: memoryKey(relative(root, file), full_name),
  }
}

function pinnedCommand(seed: Seed, where: TestPlace): string {
  return pinnedReplayCommand(seed, where.shown_file, where.full_name, where.root_argument)
}

/** Runs the remembered failing seeds first; returns the first that still fails, with its report. */
async function runRemembered(
  context: TestContext,
  fn: SimTestFunction,
  options: SimRunOptions,
  where: TestPlace,
  config: SimRunConfig | undefined,
  skip: ReadonlySet<string>,
  memory: { failed: string[]; passed: string[] },
): Promise<RunReport | null> {
  for (const text of config?.memory[where.memory_key] ?? []) {
    if (skip.has(text)) continue
    const seed = parseSeed(text)
    const report = await runSeed(context, fn, seed, runOptionsFor(seed, where.full_name, options))
    if (report.passed) memory.passed.push(seed.text)
    else {
      memory.failed.push(seed.text)
      return report
    }
  }
  return null
}

/** What every simulated test body starts from. */
interface Start {
  readonly context: TestContext
  readonly config: SimRunConfig | undefined
  readonly where: TestPlace
  /** `MARIONETTE_REPLAY_SEED`, when set: every selected test runs exactly that seed. */
  readonly pinned: Seed | null
  readonly run_seed: RunSeed
  /** Seeds that failed or passed here, for the failing-seed memory (in `task.meta`). */
  readonly memory: { key: string; failed: string[]; passed: string[] }
}

function start(context: TestContext): Start {
  const config = simConfig()
  const where = place(context, config)
  const pinned = resolveReplaySeed(process.env[REPLAY_SEED_ENV])
  const run_seed = resolveRunSeed(process.env[SEED_ENV], config?.sequence_seed)
  const memory = { key: where.memory_key, failed: [] as string[], passed: [] as string[] }
  context.task.meta.marionette_memory = memory
  return { context, config, where, pinned, run_seed, memory }
}

/** Runs the remembered failing seeds not in `skip` first; fails the test on the first that still fails. */
async function rememberedFirst(at: Start, fn: SimTestFunction, options: SimRunOptions, skip: ReadonlySet<string>, registered_at: string, on_failure?: (seed: Seed) => void): Promise<void> {
  const remembered = await runRemembered(at.context, fn, options, at.where, at.config, skip, at.memory)
  if (remembered === null) return
  on_failure?.(remembered.seed)
  const prefix = `remembered failing seed ${remembered.seed.text} (from .marionette/failures.json) still fails: `
  await failWith(at.context, remembered, at.where.full_name, pinnedCommand(remembered.seed, at.where), at.config, registered_at, prefix)
}

function simBody(fn: SimTestFunction, options: SimTestOptions, registered_at: string): () => Promise<void> {
  // No declared parameter: Vitest reads the fixtures a test uses from its
  // source text, which `withSource` points at the user's function.
  return async function marionetteSimTest(): Promise<void> {
    // eslint-disable-next-line prefer-rest-params
    const at = start(arguments[0] as TestContext)
    const { context, where, pinned, run_seed, memory } = at
    const seed = pinned ?? (options.seed !== undefined ? parseSeed(options.seed) : deriveTestSeed(run_seed.seed, where.full_name))
    context.task.meta.marionette_seed = seed.text
    if (pinned === null && options.seed === undefined) context.task.meta.marionette_run_seed = run_seed.seed.text
    if (pinned === null) await rememberedFirst(at, fn, options, new Set([seed.text]), registered_at)
    const report = await runSeed(context, fn, seed, runOptionsFor(seed, where.full_name, options))
    ;(report.passed ? memory.passed : memory.failed).push(seed.text)
    if (report.passed) return
    // A derived seed replays from the run seed; a pinned one (option or environment) from itself.
    const command =
      pinned === null && options.seed === undefined
        ? replayCommand(run_seed.seed, where.shown_file, where.full_name, where.root_argument)
        : pinnedCommand(seed, where)
    await failWith(context, report, where.full_name, command, at.config, registered_at)
  }
}

/** This shard's share of a sweep: seed `i` runs on shard `i mod count + 1`. */
export function shardSeeds<T>(seeds: readonly T[], shard: { index: number; count: number } | null): T[] {
  if (shard === null) return [...seeds]
  return seeds.filter((_, i) => i % shard.count === shard.index - 1)
}

function fuzzBody(fn: SimTestFunction, options: SimFuzzOptions, registered_at: string): () => Promise<void> {
  return async function marionetteSimFuzz(): Promise<void> {
    // eslint-disable-next-line prefer-rest-params
    const at = start(arguments[0] as TestContext)
    const { context, config, where, pinned, run_seed, memory } = at
    const count = options.seeds ?? (options.profile !== undefined ? profile(options.profile).fuzz_seeds : DEFAULT_FUZZ_SEEDS)
    const all_seeds = pinned !== null ? [pinned] : typeof count === 'number' ? deriveSweepSeeds(run_seed.seed, where.full_name, count) : count.map((seed) => parseSeed(seed))
    const shard = pinned !== null ? null : (config?.shard ?? null)
    const seeds = shardSeeds(all_seeds, shard)
    const home = shard === null || !(config?.guest_files ?? []).includes(context.task.file.filepath)
    const fuzz = {
      profile: options.profile ?? null,
      shard: shard === null ? null : `${shard.index}/${shard.count}`,
      seeds_run: [] as string[],
      failing_seeds: [] as string[],
    }
    context.task.meta.marionette_fuzz = fuzz
    if (pinned === null) context.task.meta.marionette_run_seed = run_seed.seed.text
    // Remembered failing seeds run first, once, on the file's home shard.
    if (pinned === null && home) {
      await rememberedFirst(at, fn, options, new Set(seeds.map((seed) => seed.text)), registered_at, (seed) => fuzz.failing_seeds.push(seed.text))
    }
    // The sweep: each seed once (unless `replay` asks for the comparison on every seed) ...
    let first_failure: Seed | null = null
    for (const seed of seeds) {
      const report = await runSeed(context, fn, seed, runOptionsFor(seed, where.full_name, options, options.replay === true ? {} : { replay: false }))
      fuzz.seeds_run.push(seed.text)
      if (report.passed) memory.passed.push(seed.text)
      else {
        memory.failed.push(seed.text)
        fuzz.failing_seeds.push(seed.text)
        first_failure ??= seed
      }
    }
    if (first_failure === null) return
    // ... then the first failing seed again, with the replay comparison, for its report.
    const report = await runSeed(context, fn, first_failure, runOptionsFor(first_failure, where.full_name, options, { replay: options.replay ?? true }))
    const of_what = `${fuzz.failing_seeds.length} of ${seeds.length} seeds failed${shard === null ? '' : ` on shard ${shard.index}/${shard.count}`} (${fuzz.failing_seeds.join(', ')}); first: `
    if (report.passed) {
      throw new Error(`${of_what}seed ${first_failure.text} failed in the sweep but passed when run again: the test is not deterministic (does it keep state between seeds?)`)
    }
    await failWith(context, report, where.full_name, pinnedCommand(first_failure, where), config, registered_at, of_what)
  }
}

/** Vitest reads the fixtures a test uses from its function's source: show it the user's function. */
function withSource(wrapper: () => Promise<void>, fn: SimTestFunction): () => Promise<void> {
  Object.defineProperty(wrapper, 'toString', { value: () => Function.prototype.toString.call(fn), configurable: true })
  return wrapper
}

type Register = (name: string, options: { timeout?: number; meta?: { marionette_sweep?: boolean } }, fn: () => Promise<void>) => void
type Chain = Register & { only: Chain; skip: Chain; fails: Chain; concurrent: Chain; todo: (name: string) => void }

function target(api: TestAPI, modifiers: Modifiers): Chain {
  let chain = api as unknown as Chain
  if (modifiers.only) chain = chain.only
  if (modifiers.skip) chain = chain.skip
  if (modifiers.fails) chain = chain.fails
  if (modifiers.concurrent) chain = chain.concurrent
  return chain
}

function timeoutOption(timeout: number | undefined): { timeout?: number } {
  return timeout === undefined ? {} : { timeout }
}

const MODIFIERS = ['only', 'skip', 'todo', 'fails', 'concurrent'] as const

/** `.sim` (with `.fuzz`) registering through `api`: Vitest's `test`, or a `test.extend(...)` result. */
function simFor(api: TestAPI): SimTestAPI {
  const sim = TestRunner.createChainable([...MODIFIERS], function (this: Modifiers, name: string, fn?: SimTestFunction, raw?: SimTestOptions | number) {
    const options = checkOptions('test.sim', name, raw, SIM_KEYS)
    if (this.todo || fn === undefined) return (api as unknown as Chain).todo(name)
    target(api, this)(name, timeoutOption(options.timeout), withSource(simBody(fn, options, new Error().stack ?? ''), fn))
  }) as unknown as SimTestAPI & { fuzz: SimFuzzAPI }
  const fuzz = TestRunner.createChainable([...MODIFIERS], function (this: Modifiers, name: string, fn?: SimTestFunction, raw?: SimFuzzOptions | number) {
    const options = checkOptions('test.sim.fuzz', name, raw, FUZZ_KEYS)
    if (this.todo || fn === undefined) return (api as unknown as Chain).todo(name)
    target(api, this)(name, { timeout: options.timeout ?? DEFAULT_FUZZ_TIMEOUT_MS, meta: { marionette_sweep: true } }, withSource(fuzzBody(fn, options, new Error().stack ?? ''), fn))
  }) as unknown as SimFuzzAPI
  Object.defineProperty(sim, 'fuzz', { value: fuzz, enumerable: true })
  return sim
}

/** A view of a Vitest test API with `.sim`, whose `.extend(...)` results have `.sim` too. */
function withSim<Extra>(api: TestAPI<Extra>): MarionetteTestAPI<Extra> {
  let sim: SimTestAPI<Extra> | undefined
  return new Proxy(api, {
    get(target_api, key, receiver) {
      if (key === 'sim') return (sim ??= simFor(target_api as unknown as TestAPI) as unknown as SimTestAPI<Extra>)
      const value = Reflect.get(target_api, key, receiver) as unknown
      if (key === 'extend' && typeof value === 'function') {
        return (...args: unknown[]) => withSim((value as (...a: unknown[]) => TestAPI<Extra>).apply(target_api, args))
      }
      return value
    },
    has: (target_api, key) => key === 'sim' || Reflect.has(target_api, key),
  }) as unknown as MarionetteTestAPI<Extra>
}

/**
 * Vitest's `test`, with `test.sim` for simulated tests and `test.sim.fuzz` for
 * sweeps. A view of Vitest's own `test` (nothing runs at import, so the config
 * file may import this module along with the plugin, and Vitest's `test`
 * itself is left unchanged).
 */
export const test: MarionetteTestAPI = withSim(base as TestAPI)

export { PROFILE_NAMES, type ProfileName }

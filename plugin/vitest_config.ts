/**
 * What the Vite flavour of the plugin adds for Vitest:
 *
 * - `config`: the `simulate` packages are inlined (`test.server.deps.inline`;
 *   Vitest 4 silently ignores the old `test.deps.inline`) and kept out of the
 *   dependency optimizer (`test.deps.optimizer.{ssr,client}.exclude`), so
 *   their files reach the transform; the CommonJS require hook's setup file is
 *   appended to `test.setupFiles`.
 * - `configureVitest`: hands the package list to that setup file
 *   (`project.provide`), and warns about test projects that do not get the
 *   plugin and about `simulate` packages that are not installed.
 */
import { readFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin, ResolvedConfig, UserConfig, ViteDevServer } from 'vite'
import type { TestProject, Vitest } from 'vitest/node'
import type {} from 'vitest/config'
import { readFailureMemory, type FailureMemory } from './failure_memory.js'
import { sweepAwareSequencer } from './fuzz_shards.js'
import { SeedReporter } from './seed_reporter.js'
import { resolveRunSeed, SEED_ENV } from './seeds.js'
import { CJS_SETUP_PATH, FileFilter, MATCHERS_SETUP_PATH, OWN_EXTENSION, SWEEP_SETUP_PATH, findInstalledPackage, PLATFORM_PATH, PLUGIN_NAME, packageFilesRegExp, type ResolvedOptions } from './options.js'

/** What the setup file (`cjs_setup.ts`) receives through `inject`. */
export interface CjsHookConfig {
  /** Package names whose `require()`d files the hook transforms. */
  readonly simulate: readonly string[]
}

/** The `provide`/`inject` key of the CommonJS hook's configuration. */
export const CJS_PROVIDE_KEY = 'marionette-sim.cjs'

/** What `test.sim` (`test_sim.ts`) receives through `inject`. */
export interface SimRunConfig {
  /** Vitest's `--sequence.seed` (as text), or null when it is not set. */
  readonly sequence_seed: string | null
  /** The project's root: where `.marionette/traces/` and `.marionette/failures.json` go. */
  readonly root: string
  /** Vitest's `--shard`, or null. */
  readonly shard: { readonly index: number; readonly count: number } | null
  /** Test files this shard runs only for their sweeps (absolute paths). */
  readonly guest_files: readonly string[]
  /** Remembered failing seeds by test key (`.marionette/failures.json`). */
  readonly memory: FailureMemory
}

/** The `provide`/`inject` key of `test.sim`'s run configuration. */
export const SIM_PROVIDE_KEY = 'marionette-sim.sim'

declare module 'vitest' {
  export interface ProvidedContext {
    'marionette-sim.cjs': CjsHookConfig
    'marionette-sim.sim': SimRunConfig
  }
}

/** State shared by every instance of the plugin in this process (Vitest loads the config once per project). */
interface SharedState {
  /** Root Vite servers of Vitest instances in which at least one project got the plugin. */
  readonly reached: WeakSet<object>
  /** Vitest instances already checked for projects without the plugin. */
  readonly checked: WeakSet<object>
  /** Warnings already shown (each once per process). */
  readonly warned: Set<string>
  /** The seed reporter of each Vitest instance. */
  readonly reporters: WeakMap<object, SeedReporter>
}

const STATE_KEY = Symbol.for('marionette-sim.vitest_plugin_state')

function sharedState(): SharedState {
  const slot = globalThis as unknown as Record<symbol, SharedState | undefined>
  return (slot[STATE_KEY] ??= { reached: new WeakSet(), checked: new WeakSet(), warned: new Set(), reporters: new WeakMap() })
}

function warnOnce(warn: (message: string) => void, message: string): void {
  const state = sharedState()
  if (state.warned.has(message)) return
  state.warned.add(message)
  warn(message)
}

const FIX = `Root-level plugins reach only projects declared with \`extends: true\`: add \`extends: true\` to the project in \`test.projects\`, or add marionette(...) to the project's own \`plugins\`.`

function quoted(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ')
}

/** The warning for resolved test projects that do not have the plugin. */
export function projectsWarning(names: readonly string[]): string {
  const subject = names.length === 1 ? `test project ${quoted(names)} does` : `test projects ${quoted(names)} do`
  return `[${PLUGIN_NAME}] ${subject} not get the ${PLUGIN_NAME} plugin, so its files run on the real clock, timers, randomness, disk and network even inside a simulation. ${FIX}`
}

/** The warning when the root config has the plugin but no project receives it. */
export function rootOnlyWarning(names: readonly string[]): string {
  return `[${PLUGIN_NAME}] the ${PLUGIN_NAME} plugin is in the root config, but no test project in this run gets it (projects without it: ${quoted(names)}), so none of their files are simulated. ${FIX}`
}

/** The warning for CommonJS `simulate` packages under one of Vitest's vm pools. */
export function vmPoolWarning(pool: string, packages: readonly string[]): string {
  return `[${PLUGIN_NAME}] the ${pool} pool cannot simulate the CommonJS packages ${quoted(packages)}: its require() does not load ES modules, and the simulated platform is one, so they fail to load. Run this project in the forks (default) or threads pool.`
}

/** The warning for a `simulate` entry that is not installed. */
export function missingPackageWarning(name: string, root: string): string {
  return `[${PLUGIN_NAME}] simulate lists ${JSON.stringify(name)}, which is not installed (no node_modules/${name}/package.json in ${root} or above it), so none of its files can be simulated. Install it, or remove it from \`simulate\`.`
}

/** A package whose `.js` files are CommonJS (no `"type": "module"`). */
function isCommonJsPackage(folder: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { type?: unknown }).type !== 'module'
  } catch {
    return false
  }
}

function hasPlugin(plugins: readonly unknown[] | undefined): boolean {
  return (plugins ?? []).flat(Infinity as 1).some((plugin) => typeof plugin === 'object' && plugin !== null && (plugin as { name?: unknown }).name === PLUGIN_NAME)
}

function projectLabel(project: TestProject): string {
  return project.name !== '' ? project.name : project.config.root
}

function isVitestServer(config: ResolvedConfig): boolean {
  return config.plugins.some((plugin) => plugin.name === 'vitest' || plugin.name === 'vitest:project')
}

type TestConfig = NonNullable<UserConfig['test']>

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T]
}

/**
 * Adds the matchers' setup file, and for `simulate` packages their inlining and the require hook's
 * setup file, to a Vitest config (merging with the user's values).
 */
export function addTestConfig(test: TestConfig, simulate: readonly string[], root: string = process.cwd()): void {
  const with_matchers = toArray(test.setupFiles)
  const own = [MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH].filter((path) => !with_matchers.includes(path))
  if (own.length > 0) test.setupFiles = [...with_matchers, ...own]
  hideOwnFrames(test, root)
  if (simulate.length === 0) return
  const server = (test.server ??= {})
  const server_deps = (server.deps ??= {})
  if (server_deps.inline !== true) {
    server_deps.inline = [...toArray(server_deps.inline), ...simulate.map(packageFilesRegExp)]
  }
  const deps = (test.deps ??= {})
  const optimizer = (deps.optimizer ??= {})
  for (const side of ['ssr', 'client'] as const) {
    const options = (optimizer[side] ??= {})
    options.exclude = [...new Set([...(options.exclude ?? []), ...simulate])]
  }
  const setup_files = toArray(test.setupFiles)
  if (!setup_files.includes(CJS_SETUP_PATH)) test.setupFiles = [...setup_files, CJS_SETUP_PATH]
}

/** This package's own folder (the repository, or node_modules/marionette-sim). */
const PACKAGE_ROOT = fileURLToPath(new URL(OWN_EXTENSION === '.js' ? '../../' : '../', import.meta.url))
const OWN_CODE = ['dist', 'plugin', 'src', 'matchers'].map((folder) => join(PACKAGE_ROOT, folder) + sep)

/**
 * Failure stacks show the user's frames, not the simulator's: frames from this
 * package's code are hidden (composed with the user's own `onStackTrace`).
 * Not when Vitest runs in this package itself: its own tests need them.
 */
function hideOwnFrames(test: TestConfig, root: string): void {
  if (resolve(root) + sep === PACKAGE_ROOT) return
  const user = test.onStackTrace
  if ((user as { marionette?: boolean } | undefined)?.marionette === true) return
  const filter: NonNullable<TestConfig['onStackTrace']> = (error, frame) => {
    if (isOwnFrame(frame.file)) return false
    return user === undefined ? true : user(error, frame)
  }
  Object.defineProperty(filter, 'marionette', { value: true })
  test.onStackTrace = filter
}

/** Whether a stack frame's file is this package's code (not a test of it). */
export function isOwnFrame(file: string): boolean {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file
  return OWN_CODE.some((folder) => path.startsWith(folder)) && !/\.test\.[cm]?[jt]s$/.test(path)
}

/** Names of the raw `test.projects` entries that will not get a root-level plugin. */
function unreachedProjectEntries(projects: readonly unknown[]): string[] {
  const names: string[] = []
  projects.forEach((entry, index) => {
    if (typeof entry === 'string') names.push(entry)
    else if (typeof entry === 'object' && entry !== null && !('then' in entry)) {
      const inline = entry as { extends?: unknown; plugins?: unknown[]; test?: { name?: unknown } }
      if (inline.extends === true || hasPlugin(inline.plugins)) return
      const name = inline.test?.name
      names.push(typeof name === 'string' ? name : typeof name === 'object' && name !== null && 'label' in name ? String((name as { label: unknown }).label) : `project #${index + 1}`)
    }
  })
  return names
}

/** The seed reporter of this Vitest run (added once, after the user's reporters). */
function addSeedReporter(vitest: Vitest, keep_memory: boolean): SeedReporter {
  const state = sharedState()
  let reporter = state.reporters.get(vitest)
  if (reporter === undefined) {
    let run_seed
    try {
      run_seed = resolveRunSeed(process.env[SEED_ENV], vitest.config.sequence.seed)
    } catch (error) {
      // Workers report a bad seed in every simulated test; the reporter shows the default.
      vitest.logger.warn(`[${PLUGIN_NAME}] ${error instanceof Error ? error.message : String(error)}`)
      run_seed = resolveRunSeed(undefined, undefined)
    }
    reporter = new SeedReporter(run_seed, keep_memory)
    state.reporters.set(vitest, reporter)
    ;(vitest.config.reporters as unknown[]).push(reporter)
  }
  return reporter
}

export function vitestHooks(options: ResolvedOptions, filter: FileFilter): Partial<Plugin> {
  const simulate = options.simulate
  const cache_key = `${PLUGIN_NAME}:${PLATFORM_PATH}:${JSON.stringify(options)}`
  return {
    config(config) {
      addTestConfig((config.test ??= {}), simulate, config.root ?? process.cwd())
    },

    configResolved(config) {
      filter.setRoot(config.root)
      // Plain Vite (a build, or SSR dev): Vitest projects warn in configureVitest instead.
      if (!isVitestServer(config)) {
        for (const name of simulate) {
          if (findInstalledPackage(name, config.root) === null) warnOnce((message) => config.logger.warn(message), missingPackageWarning(name, config.root))
        }
      }
    },

    configureServer(server: ViteDevServer) {
      // Runs after Vitest's own configureServer (enforce: 'pre'), which resolved the
      // projects and called configureVitest for those that got the plugin.
      const config = server.config
      if (!config.plugins.some((plugin) => plugin.name === 'vitest')) return
      const projects = (config as unknown as { test?: { projects?: unknown[] } }).test?.projects
      if (projects === undefined || projects.length === 0 || sharedState().reached.has(server)) return
      const names = unreachedProjectEntries(projects)
      if (names.length > 0) warnOnce((message) => config.logger.warn(message), rootOnlyWarning(names))
    },

    configureVitest(context) {
      const { vitest, project } = context as { vitest: Vitest; project: TestProject }
      const state = sharedState()
      state.reached.add(vitest.vite)
      const warn = (message: string): void => vitest.logger.warn(message)

      project.provide(CJS_PROVIDE_KEY, { simulate: [...simulate] })
      // Only this hook sees Vitest's command line (`--sequence.seed`, `--shard`).
      const sequence_seed = vitest.config.sequence.seed
      const shard = vitest.config.shard
      const memory = readFailureMemory(project.config.root, warn)
      const sim_config: SimRunConfig = {
        sequence_seed: sequence_seed === undefined || sequence_seed === null ? null : String(sequence_seed),
        root: project.config.root,
        shard: shard === undefined || shard === null ? null : { index: shard.index, count: shard.count },
        guest_files: [],
        memory,
      }
      project.provide(SIM_PROVIDE_KEY, sim_config)
      addSeedReporter(vitest, options.memory).addProject(project.config.root, memory)
      if (sim_config.shard !== null) {
        const sequence = vitest.config.sequence as { sequencer: Vitest['config']['sequence']['sequencer']; marionette?: boolean }
        if (sequence.marionette !== true) {
          sequence.sequencer = sweepAwareSequencer(sequence.sequencer, (guests) => {
            for (const [guest_project, files] of guests) {
              const current = guest_project.getProvidedContext()[SIM_PROVIDE_KEY]
              if (current !== undefined) guest_project.provide(SIM_PROVIDE_KEY, { ...current, guest_files: files })
            }
          })
          sequence.marionette = true
        }
      }

      const define_key = (context as { experimental_defineCacheKeyGenerator?: (generator: (ctx: { id: string }) => string | undefined) => void }).experimental_defineCacheKeyGenerator
      define_key?.(({ id }) => (filter.matches(id) ? cache_key : undefined))

      const commonjs: string[] = []
      for (const name of simulate) {
        const folder = findInstalledPackage(name, project.config.root)
        if (folder === null) warnOnce(warn, missingPackageWarning(name, project.config.root))
        else if (isCommonJsPackage(folder)) commonjs.push(name)
      }
      const pool = String(project.config.pool)
      if (commonjs.length > 0 && pool.startsWith('vm')) warnOnce(warn, vmPoolWarning(pool, commonjs))

      if (!state.checked.has(vitest)) {
        state.checked.add(vitest)
        const without = vitest.projects.filter((p) => !hasPlugin(p.vite.config.plugins))
        if (without.length > 0) warnOnce(warn, projectsWarning(without.map(projectLabel)))
      }
    },
  }
}

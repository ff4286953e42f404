/**
 * The transform benchmark (docs/performance.md, "Transform").
 *
 * 1. Throughput of `transformCode` (plugin/transform.ts) on real code: the `.js`/`.mjs`/`.cjs`
 *    files of several packages installed in node_modules (`THROUGHPUT_PACKAGES`), with the
 *    options the Vitest plugin gives a dependency file (the platform's absolute path, its module
 *    wrappers, format inferred, source map on). In ms per MB of input (1 MB = 10^6 bytes):
 *    - cold: a fresh `node` process per measurement loads the built transform (the oxc parser
 *      binding included) and transforms the whole set once; reported with and without the load;
 *    - warm: in this process, after a warm-up pass, the median of several passes.
 * 2. The wall time of a Vitest run over a code base built at bench time in a temp dir: the own
 *    mocha suites of real packages installed as devDependencies (later, memory-cache,
 *    timekeeper), run under Vitest through a mocha-compatibility setup file, without and with
 *    the plugin simulating those packages. Each run is a fresh `node vitest.mjs run` process
 *    with the cache off, the same pool and worker count; the two variants alternate and the
 *    medians are compared. Both must report the same tests passed, failed and skipped.
 *
 * Usage: `npm run bench` (or `node dist/bench/transform.js [--quick] [--no-vitest] [--no-write]
 * [--maps] [--passes N] [--cold-reps N] [--vitest-reps N] [--keep] [dir...]`; directories given
 * replace the default file set). `--maps` adds the cost of the source map alone, against
 * magic-string's own `generateMap` for the same edits.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PLATFORM } from '../plugin/options.js'
import type { TransformOptions } from '../plugin/transform.js'
import { findPackageRoot, median, runIfMain } from './harness.js'

/** The project's targets for the transform (issue 3). */
export const TARGETS = { ms_per_mb_warm: 150, vitest_added_pct: 15 } as const

/** The default file set: folders under node_modules whose scripts are transformed. */
export const THROUGHPUT_PACKAGES: readonly string[] = [
  'typescript/lib',
  'vite/dist',
  'rolldown/dist',
  'vitest/dist',
  '@vitest',
  'chai',
  'magic-string',
  'pure-rand',
  'sinon',
  'should',
  'mocha/lib',
  '@sinonjs',
]

const SCRIPT = /\.[cm]?js$/
const DECLARATION = /\.d\.[cm]?ts$/


/** The options the Vitest plugin passes for a file of a dependency (`transformFile` in plugin/index.ts). */
export function pluginTransformOptions(): TransformOptions {
  return { platform: PLATFORM.index, moduleSpecifier: PLATFORM.module, sourcemap: true }
}

// ---- the file set --------------------------------------------------------------------------------

export interface SourceFile {
  readonly path: string
  /** The folder of the set it came from (a `THROUGHPUT_PACKAGES` entry, or a directory given). */
  readonly group: string
  readonly bytes: number
}

export interface FileSet {
  readonly files: readonly SourceFile[]
  readonly bytes: number
}

/**
 * The `.js`/`.mjs`/`.cjs` files under each folder (sorted; nested `node_modules` folders, symbolic
 * links and declaration files are left out). `groups[i]` names `dirs[i]` in the breakdown.
 */
export function collectFiles(dirs: readonly string[], groups: readonly string[] = dirs): FileSet {
  const files: SourceFile[] = []
  dirs.forEach((dir, index) => {
    const group = groups[index] ?? dir
    const found: string[] = []
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name)
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules') walk(full)
        } else if (entry.isFile() && SCRIPT.test(entry.name) && !DECLARATION.test(entry.name)) found.push(full)
      }
    }
    if (existsSync(dir)) walk(dir)
    found.sort()
    for (const file of found) files.push({ path: file, group, bytes: statSync(file).size })
  })
  return { files, bytes: files.reduce((sum, file) => sum + file.bytes, 0) }
}

/** The default set: `THROUGHPUT_PACKAGES` under the repository's node_modules. */
export function defaultFileSet(root = findPackageRoot()): FileSet {
  return collectFiles(
    THROUGHPUT_PACKAGES.map((name) => path.join(root, 'node_modules', name)),
    THROUGHPUT_PACKAGES,
  )
}

const perMb = (ms: number, bytes: number): number => ms / (bytes / 1e6)
const round = (value: number, digits = 1): number => Number(value.toFixed(digits))


// ---- warm: in this process -----------------------------------------------------------------------

export interface WarmResult {
  /** Wall time of each measured pass over the whole set. */
  readonly pass_ms: readonly number[]
  readonly ms_per_mb: number
  /** Files the transform changed (the rest need no change: null). */
  readonly changed: number
  /** ms per MB of each group, from its share of the median pass. */
  readonly groups: Readonly<Record<string, number>>
}

/** In-process throughput: `warmup` unmeasured passes, then the median of `passes`. */
export async function measureWarm(set: FileSet, options: { passes: number; warmup?: number; sourcemap?: boolean }): Promise<WarmResult> {
  const { transformCode } = await import('../plugin/transform.js')
  const transform_options = { ...pluginTransformOptions(), sourcemap: options.sourcemap ?? true }
  const codes = set.files.map((file) => readFileSync(file.path, 'utf8'))
  const group_names = [...new Set(set.files.map((file) => file.group))]
  const group_of = set.files.map((file) => group_names.indexOf(file.group))
  const pass = (): { ms: number; changed: number; groups: number[] } => {
    const groups = new Array<number>(group_names.length).fill(0)
    let changed = 0
    const started = performance.now()
    for (let i = 0; i < codes.length; i++) {
      const t0 = performance.now()
      const file = set.files[i] as SourceFile
      let result
      try {
        result = transformCode(codes[i] as string, file.path, transform_options)
      } catch (error) {
        throw new Error(`transform failed on ${file.path}: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (result !== null) changed++
      const g = group_of[i] as number
      groups[g] = (groups[g] as number) + performance.now() - t0
    }
    return { ms: performance.now() - started, changed, groups }
  }
  for (let i = 0; i < (options.warmup ?? 1); i++) pass()
  const passes = Array.from({ length: options.passes }, pass)
  const pass_ms = passes.map((p) => p.ms)
  const mid = median(pass_ms)
  // The pass closest to the median gives the per-group split.
  const typical = passes.reduce((best, p) => (Math.abs(p.ms - mid) < Math.abs(best.ms - mid) ? p : best))
  const groups: Record<string, number> = {}
  group_names.forEach((name, g) => {
    const bytes = set.files.reduce((sum, file, i) => sum + (group_of[i] === g ? file.bytes : 0), 0)
    groups[name] = round(perMb(typical.groups[g] as number, bytes))
  })
  return { pass_ms: pass_ms.map((ms) => round(ms)), ms_per_mb: perMb(mid, set.bytes), changed: typical.changed, groups }
}

// ---- cold: a fresh process per measurement ---------------------------------------------------------

/**
 * The child of a cold measurement (an ES module run with `node --input-type=module -e`): reads
 * the files, then times loading the transform and one pass over them. argv: the URL of the built
 * transform, the URL of the built plugin options (for the platform paths), the file list (JSON).
 */
const COLD_CHILD = `
import { readFileSync } from 'node:fs'
const [transformUrl, optionsUrl, listFile] = process.argv.slice(1)
const { PLATFORM } = await import(optionsUrl)
const files = JSON.parse(readFileSync(listFile, 'utf8'))
const codes = files.map((file) => readFileSync(file, 'utf8'))
const options = { platform: PLATFORM.index, moduleSpecifier: PLATFORM.module, sourcemap: true }
const t0 = performance.now()
const { transformCode } = await import(transformUrl)
const t1 = performance.now()
let changed = 0
for (let i = 0; i < codes.length; i++) if (transformCode(codes[i], files[i], options) !== null) changed++
const t2 = performance.now()
process.stdout.write(JSON.stringify({ load_ms: t1 - t0, transform_ms: t2 - t1, changed }))
`

export interface ColdRun {
  /** Loading the transform module and everything it imports (the oxc parser binding among them). */
  readonly load_ms: number
  /** The one pass over the set, right after the load. */
  readonly transform_ms: number
  readonly changed: number
}

export interface ColdResult {
  readonly runs: readonly ColdRun[]
  /** Median over the runs of (load + transform) per MB. */
  readonly ms_per_mb: number
  /** Median over the runs of transform per MB. */
  readonly ms_per_mb_excluding_load: number
  readonly load_ms: number
}

/** The built plugin folder (`dist/plugin`), which the cold children and the Vitest runs load. */
export function builtPluginDir(root = findPackageRoot()): string {
  return path.join(root, 'dist', 'plugin')
}

/** Cold throughput: `reps` fresh processes, each loading the built transform and transforming the set once. */
export function measureCold(set: FileSet, options: { reps: number; pluginDir?: string }): ColdResult {
  const plugin_dir = options.pluginDir ?? builtPluginDir()
  const transform_file = path.join(plugin_dir, 'transform.js')
  if (!existsSync(transform_file)) throw new Error(`${transform_file} is missing: run npm run build first`)
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'marionette-bench-cold-'))
  try {
    const list_file = path.join(scratch, 'files.json')
    writeFileSync(list_file, JSON.stringify(set.files.map((file) => file.path)))
    const runs: ColdRun[] = []
    for (let rep = 0; rep < options.reps; rep++) {
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', COLD_CHILD, pathToFileURL(transform_file).href, pathToFileURL(path.join(plugin_dir, 'options.js')).href, list_file],
        { encoding: 'utf8', maxBuffer: 1 << 20, env: childEnv({}) },
      )
      if (child.status !== 0) throw new Error(`cold run failed (exit ${child.status}): ${child.stderr}`)
      runs.push(JSON.parse(child.stdout) as ColdRun)
    }
    return {
      runs: runs.map((run) => ({ load_ms: round(run.load_ms), transform_ms: round(run.transform_ms), changed: run.changed })),
      ms_per_mb: median(runs.map((run) => perMb(run.load_ms + run.transform_ms, set.bytes))),
      ms_per_mb_excluding_load: median(runs.map((run) => perMb(run.transform_ms, set.bytes))),
      load_ms: median(runs.map((run) => run.load_ms)),
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** The environment of a child process: this one's minus what a surrounding Vitest or Node set. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key === 'NODE_ENV' || key === 'TEST') continue
    env[key] = value
  }
  return { ...env, NO_COLOR: '1', ...extra }
}

// ---- the cost of the source map alone (--maps) --------------------------------------------------------

/** ms per MB of building the map alone: transform_map.ts (warm with map minus without) and magic-string's. */
export async function measureMaps(set: FileSet, passes: number): Promise<Record<string, number>> {
  const { planTransform } = await import('../plugin/transform.js')
  const { default: MagicString } = await import('magic-string')
  const options = pluginTransformOptions()
  const plans = set.files.map((file) => {
    const code = readFileSync(file.path, 'utf8')
    return { code, id: file.path, plan: planTransform(code, file.path, options) }
  })
  const out: Record<string, number> = {}
  for (const hires of [true, 'boundary'] as const) {
    const samples: number[] = []
    for (let k = 0; k < passes; k++) {
      const t0 = performance.now()
      for (const { code, id, plan } of plans) {
        if (plan === null || plan.edits.length === 0) continue
        const s = new MagicString(code)
        for (const edit of plan.edits) s.overwrite(edit.start, edit.end, edit.text)
        if (plan.insertion) s.appendLeft(plan.insertion.at, plan.insertion.text)
        s.generateMap({ hires, source: id, includeContent: true })
      }
      samples.push(performance.now() - t0)
    }
    out[`magic_string_hires_${String(hires)}`] = round(perMb(median(samples), set.bytes))
  }
  return out
}

// ---- the Vitest run ----------------------------------------------------------------------------------

/** A package whose own mocha suite is part of the code base, and how its tests find it. */
interface SuitePackage {
  readonly name: string
  /** The files of the package its tests load (what the plugin transforms). */
  readonly library: readonly string[]
  /** Test files and helpers copied into the code base, relative to the package root. */
  readonly tests: (relative: string) => boolean
  /** Files left out, with the reason. */
  readonly left_out: Readonly<Record<string, string>>
  /** Test files Vitest runs (globs relative to the code base). */
  readonly include: readonly string[]
  /** The copied files that are test files (relative to the package root). */
  readonly isTest: (relative: string) => boolean
  /** Setup files of its project besides the mocha shim (relative to the code base). */
  readonly setup: readonly string[]
  /** The relative requires of the library, as the package name (the tests move out of the package). */
  readonly requires: Readonly<Record<string, string>>
}

export const SUITE_PACKAGES: readonly SuitePackage[] = [
  {
    name: 'later',
    library: ['index.js', 'later.js'],
    tests: (file) => file.startsWith('test/') && file.endsWith('.js'),
    left_out: {
      'test/core/setinterval-test.js': 'waits on real timers (3 s sleeps): wall time the plugin cannot change',
      'test/core/settimeout-test.js': 'waits on real timers (3 s sleeps): wall time the plugin cannot change',
    },
    include: ['test/later/**/*-test.js'],
    isTest: (file) => file.endsWith('-test.js'),
    setup: [],
    requires: { '../../index': 'later' },
  },
  {
    name: 'memory-cache',
    library: ['index.js'],
    tests: (file) => file === 'test.js',
    left_out: {},
    include: ['test/memory-cache/test.js'],
    isTest: (file) => file === 'test.js',
    setup: [],
    requires: { './index': 'memory-cache' },
  },
  {
    name: 'timekeeper',
    library: ['lib/timekeeper.js'],
    tests: (file) => file.startsWith('test/') && file.endsWith('.js'),
    left_out: {},
    include: ['test/timekeeper/test/*.test.js'],
    isTest: (file) => /^test\/[^/]+\.test\.js$/.test(file),
    // Its own command: mocha --require test/node.support.js test/*.test.js
    setup: ['test/timekeeper/test/node.support.js'],
    requires: { '../lib/timekeeper': 'timekeeper' },
  },
]

/** Installed packages with mocha suites that are not in the code base, and why. */
export const SUITES_LEFT_OUT: Readonly<Record<string, string>> = {
  'node-persist': 'its TTL tests wait on real timers (about 26 s a run): the wall time would be mostly sleeping',
  nedb: 'its test files share workspace/test.db relative to the working directory, so they cannot run in parallel, and two of its tests race (docs/real-packages.md)',
}

/**
 * mocha's interface over Vitest's globals, as a setup file: `before`/`after` are `beforeAll`/
 * `afterAll`, `context`/`specify`/`xit`/`xdescribe` exist, the callbacks get a mocha-like `this`
 * (`this.timeout(n)` is accepted and ignored: the config's testTimeout applies), and a test or hook
 * that takes a `done` argument returns a promise settled by it.
 */
export const MOCHA_SHIM = `'use strict'
const MARK = Symbol.for('marionette-bench.mocha-shim')
if (!globalThis.it[MARK]) {
  const context = { timeout() { return this }, slow() { return this }, retries() { return this }, skip() {} }
  const adapt = (fn) => {
    if (typeof fn !== 'function') return fn
    if (fn.length === 0) return function mochaSync() { return fn.call(context) }
    return function mochaDone() {
      return new Promise((resolve, reject) => {
        fn.call(context, (error) => (error ? reject(error) : resolve()))
      })
    }
  }
  const suite = (d) => (name, fn) => d(name, () => { if (fn) fn.call(context) })
  const test = (t) => (name, fn, timeout) => t(name, adapt(fn), timeout)
  const hook = (h) => (a, b) => h(adapt(typeof a === 'function' ? a : b))
  const v = { describe: globalThis.describe, it: globalThis.it, beforeAll: globalThis.beforeAll, afterAll: globalThis.afterAll, beforeEach: globalThis.beforeEach, afterEach: globalThis.afterEach }
  const describe = Object.assign(suite(v.describe), { skip: suite(v.describe.skip), only: suite(v.describe.only) })
  const it = Object.assign(test(v.it), { skip: test(v.it.skip), only: test(v.it.only), [MARK]: true })
  Object.assign(globalThis, {
    describe, context: describe, xdescribe: describe.skip,
    it, specify: it, xit: it.skip,
    before: hook(v.beforeAll), after: hook(v.afterAll), beforeEach: hook(v.beforeEach), afterEach: hook(v.afterEach),
  })
}
`

/**
 * One test per simulated package with something to rewrite: its code was transformed exactly when
 * the plugin is on (a run that transformed nothing would measure nothing). `Function.prototype.toString`
 * returns the source Node compiled, so a transformed function shows the platform binding.
 */
const PROBE_TEST = `'use strict'
const on = process.env.MARIONETTE_BENCH_PLUGIN === '1'
const probes = { later: (m) => m.setTimeout, 'memory-cache': (m) => m.put }
for (const [name, pick] of Object.entries(probes)) {
  it(name + ' is transformed exactly when the plugin is on', () => {
    const transformed = String(pick(require(name))).includes('__marionette_platform')
    if (transformed !== on) throw new Error(name + ': ' + (on ? 'not transformed with the plugin' : 'transformed without the plugin'))
  })
}
`

/** Counts the results and sums Vitest's per-file durations into a JSON file (MARIONETTE_BENCH_REPORT). */
const COUNT_REPORTER = `import { writeFileSync } from 'node:fs'
export default class CountReporter {
  onTestRunEnd(modules, errors, reason) {
    const out = { reason, test_files: modules.length, passed: 0, failed: 0, skipped: 0, failures: [], errors: errors.length,
      durations: { setup: 0, collect: 0, tests: 0, prepare: 0, environment: 0 } }
    for (const module of modules) {
      const d = module.diagnostic()
      out.durations.setup += d.setupDuration
      out.durations.collect += d.collectDuration
      out.durations.tests += d.duration
      out.durations.prepare += d.prepareDuration
      out.durations.environment += d.environmentSetupDuration
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') out.passed++
        else if (state === 'failed') { out.failed++; out.failures.push(test.fullName) }
        else out.skipped++
      }
    }
    out.failures.sort()
    writeFileSync(process.env.MARIONETTE_BENCH_REPORT, JSON.stringify(out))
  }
}
`

export interface CodeBase {
  readonly dir: string
  /** Test files Vitest runs, probe included. */
  readonly test_files: number
  readonly library_files: number
  readonly library_bytes: number
  readonly packages: readonly string[]
  readonly description: string
}

export const VITEST_WORKERS = 2
export const VITEST_POOL = 'forks'

/**
 * Writes the code base into `dir` (empty or absent): the packages' tests under `test/<name>/`
 * (their relative requires of the library rewritten to the package name), a probe test, the
 * mocha shim, a reporter and a Vitest config with one project per package. `node_modules` is a
 * link to the repository's, so the libraries are the installed packages. `keep(name, file)` may
 * drop test files (the unit test keeps a few).
 */
export function buildVitestCodeBase(dir: string, options: { root?: string; keep?: (name: string, file: string) => boolean } = {}): CodeBase {
  const root = options.root ?? findPackageRoot()
  const plugin_url = pathToFileURL(path.join(builtPluginDir(root), 'vitest.js')).href
  mkdirSync(dir, { recursive: true })
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  let test_files = 1
  let library_files = 0
  let library_bytes = 0
  const versions: string[] = []
  const projects: string[] = []
  for (const suite of SUITE_PACKAGES) {
    const source = path.join(root, 'node_modules', suite.name)
    const version = (JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string }).version
    versions.push(`${suite.name}@${version}`)
    for (const file of suite.library) {
      library_files++
      library_bytes += statSync(path.join(source, file)).size
    }
    const target = path.join(dir, 'test', suite.name)
    const copy = (relative: string): void => {
      if (!suite.tests(relative) || relative in suite.left_out || !(options.keep?.(suite.name, relative) ?? true)) return
      let code = readFileSync(path.join(source, relative), 'utf8')
      for (const [from, to] of Object.entries(suite.requires)) {
        code = code.replaceAll(`require('${from}')`, `require('${to}')`).replaceAll(`require("${from}")`, `require("${to}")`)
      }
      const out = path.join(target, relative)
      mkdirSync(path.dirname(out), { recursive: true })
      writeFileSync(out, code)
      if (suite.isTest(relative)) test_files++
    }
    const walk = (relative: string): void => {
      for (const entry of readdirSync(path.join(source, relative), { withFileTypes: true })) {
        const child = relative === '' ? entry.name : `${relative}/${entry.name}`
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules') walk(child)
        } else if (entry.isFile()) copy(child)
      }
    }
    walk('')
    projects.push(
      `{ extends: true, test: { name: ${JSON.stringify(suite.name)}, include: ${JSON.stringify(suite.include)}, setupFiles: ${JSON.stringify(['./mocha_shim.cjs', ...suite.setup.map((file) => `./${file}`)])} } }`,
    )
  }
  projects.push(`{ extends: true, test: { name: 'probe', include: ['test/probe.test.js'], setupFiles: ['./mocha_shim.cjs'] } }`)
  writeFileSync(path.join(dir, 'test', 'probe.test.js'), PROBE_TEST)
  writeFileSync(path.join(dir, 'mocha_shim.cjs'), MOCHA_SHIM)
  writeFileSync(path.join(dir, 'count_reporter.mjs'), COUNT_REPORTER)
  const simulate = SUITE_PACKAGES.map((suite) => suite.name)
  writeFileSync(
    path.join(dir, 'vitest.config.mjs'),
    `import { defineConfig } from 'vitest/config'
// Written by bench/transform.ts. MARIONETTE_BENCH_PLUGIN=1: with the marionette-sim plugin (the build).
const plugins = process.env.MARIONETTE_BENCH_PLUGIN === '1'
  ? [(await import(${JSON.stringify(plugin_url)})).default({ simulate: ${JSON.stringify(simulate)} })]
  : []
export default defineConfig({
  plugins,
  cacheDir: process.env.MARIONETTE_BENCH_CACHE_DIR,
  test: {
    globals: true,
    pool: ${JSON.stringify(VITEST_POOL)},
    maxWorkers: ${VITEST_WORKERS},
    isolate: true,
    testTimeout: 20000,
    hookTimeout: 20000,
    reporters: ['./count_reporter.mjs'],
    projects: [
      ${projects.join(',\n      ')},
    ],
  },
})
`,
  )
  const left_out = SUITE_PACKAGES.flatMap((suite) => Object.keys(suite.left_out).map((file) => `${suite.name}/${file}`))
  return {
    dir,
    test_files,
    library_files,
    library_bytes,
    packages: versions,
    description:
      `the own mocha suites of ${versions.join(', ')} (minus ${left_out.join(', ')}: real-timer sleeps), run under Vitest ` +
      `through a mocha shim (globals: true, before/after = beforeAll/afterAll, done callbacks), plus a probe test; ` +
      `the plugin simulates the three packages (simulate), so their library files are transformed as they load`,
  }
}

export type Variant = 'without' | 'with'

export interface VitestRun {
  readonly variant: Variant
  readonly wall_ms: number
  readonly exit_code: number | null
  readonly test_files: number
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  readonly failures: readonly string[]
  readonly errors: number
  /** Vitest's own per-file durations, summed over the files (ms). */
  readonly durations: Readonly<Record<'setup' | 'collect' | 'tests' | 'prepare' | 'environment', number>>
}

/** One fresh `node vitest.mjs run` over the code base, with or without the plugin, cache off. */
export function runVitest(codeBase: CodeBase, variant: Variant, options: { root?: string } = {}): VitestRun {
  const root = options.root ?? findPackageRoot()
  const cache_dir = path.join(codeBase.dir, '.cache')
  const report = path.join(codeBase.dir, `report-${variant}.json`)
  rmSync(cache_dir, { recursive: true, force: true })
  rmSync(report, { force: true })
  const started = performance.now()
  const child = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', codeBase.dir, '--no-cache'], {
    cwd: codeBase.dir,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 300_000,
    // The plugin's compile cache starts empty in every run too (inside cache_dir, removed above).
    env: childEnv({
      MARIONETTE_BENCH_PLUGIN: variant === 'with' ? '1' : '0',
      MARIONETTE_BENCH_REPORT: report,
      MARIONETTE_BENCH_CACHE_DIR: cache_dir,
      MARIONETTE_CACHE_DIR: path.join(cache_dir, 'marionette-sim'),
    }),
  })
  const wall_ms = performance.now() - started
  if (!existsSync(report)) {
    throw new Error(`vitest (${variant} the plugin) wrote no report (exit ${child.status}, ${child.signal ?? 'no signal'}):\n${child.stdout}\n${child.stderr}`)
  }
  const counts = JSON.parse(readFileSync(report, 'utf8')) as Omit<VitestRun, 'variant' | 'wall_ms' | 'exit_code'>
  return { variant, wall_ms: round(wall_ms), exit_code: child.status, ...counts }
}

/** The outcome every run must share for the comparison to hold. */
export function outcome(run: VitestRun): string {
  return JSON.stringify({ files: run.test_files, passed: run.passed, failed: run.failed, skipped: run.skipped, failures: run.failures, errors: run.errors })
}

export interface VitestComparison {
  readonly code_base: string
  readonly packages: readonly string[]
  readonly files: number
  readonly tests: number
  readonly tests_passed: number
  readonly tests_failed: number
  readonly tests_skipped: number
  readonly failing_tests: readonly string[]
  readonly library_files: number
  readonly library_bytes: number
  readonly pool: string
  readonly workers: number
  readonly repetitions: number
  readonly wall_ms_without: number
  readonly wall_ms_with: number
  readonly runs_ms: { readonly without: readonly number[]; readonly with: readonly number[] }
  /** Medians of Vitest's own summed per-file durations. */
  readonly durations_ms: { readonly without: Readonly<Record<string, number>>; readonly with: Readonly<Record<string, number>> }
  /** Every run reported the same tests passed, failed and skipped (else no figure). */
  readonly comparable: boolean
  readonly added_pct: number | null
}

/**
 * Builds the code base in a temp dir, runs `warmup` untimed pairs, then `reps` timed pairs,
 * alternating which variant goes first (ABBA), and compares the medians.
 */
export function measureVitest(options: { reps: number; warmup?: number; keep?: boolean; root?: string; log?: (line: string) => void }): VitestComparison {
  const root = options.root ?? findPackageRoot()
  const log = options.log ?? (() => {})
  const plugin = path.join(builtPluginDir(root), 'vitest.js')
  if (!existsSync(plugin)) throw new Error(`${plugin} is missing: run npm run build first`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'marionette-bench-vitest-'))
  try {
    const code_base = buildVitestCodeBase(dir, { root })
    log(`code base in ${dir}: ${code_base.test_files} test files, ${code_base.library_files} library files (${(code_base.library_bytes / 1e3).toFixed(0)} kB)`)
    const runs: VitestRun[] = []
    const all: VitestRun[] = []
    const warmup = options.warmup ?? 1
    const total = warmup + options.reps
    for (let rep = 0; rep < total; rep++) {
      const measured = rep >= warmup
      const order: Variant[] = rep % 2 === 0 ? ['without', 'with'] : ['with', 'without']
      for (const variant of order) {
        const run = runVitest(code_base, variant, { root })
        log(
          `${measured ? `rep ${rep - warmup + 1}/${options.reps}` : `warm-up ${rep + 1}/${warmup}`} ${variant.padEnd(7)} ` +
            `${(run.wall_ms / 1000).toFixed(2)} s: ${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped`,
        )
        all.push(run)
        if (measured) runs.push(run)
      }
    }
    const first = runs[0] as VitestRun
    const comparable = all.every((run) => outcome(run) === outcome(first))
    const of = (variant: Variant): VitestRun[] => runs.filter((run) => run.variant === variant)
    const durations = (variant: Variant): Record<string, number> => {
      const out: Record<string, number> = {}
      for (const key of Object.keys(first.durations) as (keyof VitestRun['durations'])[]) out[key] = round(median(of(variant).map((run) => run.durations[key])), 0)
      return out
    }
    const without = median(of('without').map((run) => run.wall_ms))
    const with_plugin = median(of('with').map((run) => run.wall_ms))
    return {
      code_base: code_base.description,
      packages: code_base.packages,
      files: first.test_files,
      tests: first.passed + first.failed + first.skipped,
      tests_passed: first.passed,
      tests_failed: first.failed,
      tests_skipped: first.skipped,
      failing_tests: first.failures,
      library_files: code_base.library_files,
      library_bytes: code_base.library_bytes,
      pool: VITEST_POOL,
      workers: VITEST_WORKERS,
      repetitions: options.reps,
      wall_ms_without: round(without, 0),
      wall_ms_with: round(with_plugin, 0),
      runs_ms: { without: of('without').map((run) => round(run.wall_ms, 0)), with: of('with').map((run) => round(run.wall_ms, 0)) },
      durations_ms: { without: durations('without'), with: durations('with') },
      comparable,
      added_pct: comparable ? round(((with_plugin - without) / without) * 100) : null,
    }
  } finally {
    if (options.keep) log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

// ---- the benchmark -------------------------------------------------------------------------------

interface Options {
  passes: number
  warmup: number
  coldReps: number
  vitestReps: number
  vitest: boolean
  maps: boolean
  keep: boolean
  write: boolean
  dirs: string[]
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { passes: 5, warmup: 1, coldReps: 3, vitestReps: 5, vitest: true, maps: false, keep: false, write: true, dirs: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const count = (): number => {
      const value = Number(argv[++i])
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`)
      return value
    }
    if (arg === '--quick') {
      options.passes = 3
      options.coldReps = 1
      options.vitestReps = 3
    } else if (arg === '--passes') options.passes = count()
    else if (arg === '--cold-reps') options.coldReps = count()
    else if (arg === '--vitest-reps') options.vitestReps = count()
    else if (arg === '--no-vitest') options.vitest = false
    else if (arg === '--maps') options.maps = true
    else if (arg === '--keep') options.keep = true
    else if (arg === '--no-write') options.write = false
    else if (arg.startsWith('--')) throw new Error(`unknown argument ${arg}`)
    else options.dirs.push(path.resolve(arg))
  }
  return options
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const root = findPackageRoot()
  const began = performance.now()
  const load_before = os.loadavg()
  const set = options.dirs.length > 0 ? collectFiles(options.dirs) : defaultFileSet(root)
  if (set.files.length === 0) throw new Error('no .js/.mjs/.cjs files found')
  console.log(`transform throughput: ${set.files.length} files, ${mb(set.bytes)}`)

  const cold = measureCold(set, { reps: options.coldReps, pluginDir: builtPluginDir(root) })
  console.log(
    `  cold (${options.coldReps} fresh process${options.coldReps > 1 ? 'es' : ''}, median): ${cold.ms_per_mb.toFixed(0)} ms/MB with the load ` +
      `(${cold.load_ms.toFixed(0)} ms), ${cold.ms_per_mb_excluding_load.toFixed(0)} ms/MB without`,
  )
  const warm = await measureWarm(set, { passes: options.passes, warmup: options.warmup })
  console.log(`  warm (median of ${options.passes} passes after ${options.warmup} warm-up): ${warm.ms_per_mb.toFixed(0)} ms/MB; ${warm.changed} of ${set.files.length} files changed`)
  const warm_no_map = await measureWarm(set, { passes: Math.min(3, options.passes), warmup: 0, sourcemap: false })
  console.log(`  warm without the source map: ${warm_no_map.ms_per_mb.toFixed(0)} ms/MB`)
  for (const [group, value] of Object.entries(warm.groups)) {
    const files = set.files.filter((file) => file.group === group)
    console.log(`    ${group.padEnd(16)} ${String(files.length).padStart(4)} files ${mb(files.reduce((sum, file) => sum + file.bytes, 0)).padStart(8)}  ${value.toFixed(0).padStart(4)} ms/MB`)
  }
  let maps: Record<string, number> | null = null
  if (options.maps) {
    maps = { transform_map: round(warm.ms_per_mb - warm_no_map.ms_per_mb), ...(await measureMaps(set, 3)) }
    for (const [key, value] of Object.entries(maps)) console.log(`  source map alone, ${key}: ${value.toFixed(0)} ms/MB`)
  }

  let vitest: VitestComparison | null = null
  if (options.vitest) {
    console.log(`vitest run, without and with the plugin (${options.vitestReps} repetitions each, alternating):`)
    vitest = measureVitest({ reps: options.vitestReps, keep: options.keep, root, log: (line) => console.log(`  ${line}`) })
    console.log(
      `  median wall time: ${(vitest.wall_ms_without / 1000).toFixed(2)} s without, ${(vitest.wall_ms_with / 1000).toFixed(2)} s with: ` +
        (vitest.added_pct === null ? 'NOT COMPARABLE (the runs disagree on the tests)' : `${vitest.added_pct >= 0 ? '+' : ''}${vitest.added_pct.toFixed(1)}%`),
    )
    for (const variant of ['without', 'with'] as const) {
      const d = vitest.durations_ms[variant]
      console.log(`  ${variant.padEnd(7)} Vitest's summed per-file durations: setup ${d.setup} ms, import ${d.collect} ms, tests ${d.tests} ms, prepare ${d.prepare} ms`)
    }
  }

  const ms_per_mb_warm = round(warm.ms_per_mb)
  const vitest_added_pct = vitest?.added_pct ?? null
  const meets_targets = {
    ms_per_mb_warm: ms_per_mb_warm <= TARGETS.ms_per_mb_warm,
    vitest_added_pct: vitest_added_pct === null ? null : vitest_added_pct <= TARGETS.vitest_added_pct,
  }
  console.log(
    `targets: warm <= ${TARGETS.ms_per_mb_warm} ms/MB ${meets_targets.ms_per_mb_warm ? 'met' : 'NOT met'}; ` +
      `Vitest run <= +${TARGETS.vitest_added_pct}% ${meets_targets.vitest_added_pct === null ? 'n/a' : meets_targets.vitest_added_pct ? 'met' : 'NOT met'}`,
  )
  console.log(`${((performance.now() - began) / 1000).toFixed(1)} s`)

  const groups: Record<string, { files: number; bytes: number; ms_per_mb_warm: number }> = {}
  for (const [group, value] of Object.entries(warm.groups)) {
    const files = set.files.filter((file) => file.group === group)
    groups[group] = { files: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0), ms_per_mb_warm: value }
  }
  const report = {
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    date: new Date().toISOString(),
    load_average: { before: load_before.map((x) => round(x, 2)), after: os.loadavg().map((x) => round(x, 2)) },
    files: set.files.length,
    bytes: set.bytes,
    changed_files: warm.changed,
    ms_per_mb_warm,
    ms_per_mb_cold: round(cold.ms_per_mb),
    ms_per_mb_cold_excluding_load: round(cold.ms_per_mb_excluding_load),
    ms_per_mb_warm_without_source_map: round(warm_no_map.ms_per_mb),
    transform_load_ms: round(cold.load_ms),
    warm_pass_ms: warm.pass_ms,
    cold_runs: cold.runs,
    packages: groups,
    ...(maps === null ? {} : { source_map_alone_ms_per_mb: maps }),
    vitest,
    vitest_added_pct,
    targets: TARGETS,
    meets_targets,
  }
  if (options.write) {
    const dir = path.join(root, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = path.join(dir, 'transform.json')
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
    console.log(`wrote ${path.relative(process.cwd(), file)}`)
  }
  if (vitest !== null && !vitest.comparable) {
    console.error('the Vitest runs did not all report the same tests: the comparison is void')
    process.exitCode = 1
  }
}

runIfMain(import.meta.url, main)

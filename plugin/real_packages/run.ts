/**
 * Runs the own test suites of real npm packages with and without the transform applied to their
 * sources, outside any simulation, and compares the results test by test (docs/real-packages.md).
 *
 * For each package: copy it from node_modules into a temporary folder, transform its library files
 * (and, in a third run, its test files too) with `transformCode`, writing each output with an
 * inline source map and pointing it at the BUILT platform (`dist/src/platform/index.js` and
 * `dist/src/platform/modules/<name>.js`), then run its own mocha command there with a time limit.
 *
 * As a script (after `npm run build`): `node dist/plugin/real_packages/run.js [name...]`.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { SourceMap } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REDIRECTED_MODULES, transformCode, type RedirectedModule, type TransformOptions } from '../transform.js'
import { REAL_PACKAGES, type RealPackage } from './packages.js'

/** baseline: untouched; library: the package's library files transformed; all: its tests too. */
export type Mode = 'baseline' | 'library' | 'all'
export const MODES: readonly Mode[] = ['baseline', 'library', 'all']

/** The repository root: the nearest folder above this file with marionette-sim's package.json. */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && /"name":\s*"marionette-sim"/.test(readFileSync(manifest, 'utf8'))) return dir
    if (dirname(dir) === dir) throw new Error(`no marionette-sim package.json above ${from}`)
  }
}

/** The transform options for the built platform of the repository at `root`. */
export function builtPlatformOptions(root: string): TransformOptions & { format: 'cjs' } {
  const platform = join(root, 'dist', 'src', 'platform', 'index.js')
  return {
    platform,
    moduleSpecifier: (module: RedirectedModule) => moduleFile(root, module),
    // The packages are CommonJS; the built platform is ESM and is loaded with require(esm)
    // (unflagged since Node 20.19).
    format: 'cjs',
    sourcemap: true,
  }
}

/** `dist/src/platform/modules/<name>.js`, with `/` in the module name spelled `_`. */
export function moduleFile(root: string, module: RedirectedModule): string {
  return join(root, 'dist', 'src', 'platform', 'modules', `${module.replace('/', '_')}.js`)
}

export interface FileRewrite {
  /** Path relative to the package root. */
  file: string
  /** Rewrite sites by platform member (`Date`, `setTimeout`...) or `module:<name>`. */
  sites: Record<string, number>
  /** Rewrite sites whose source-map entry does not lead back to the original name. */
  unmapped: number
}

export interface TransformSummary {
  /** Files offered to the transform. */
  considered: number
  /** Files the transform changed. */
  files: FileRewrite[]
  /** Sites by member / module, over all files. */
  sites: Record<string, number>
  totalSites: number
  unmapped: number
  /** Files the transform rejected (left as they were), with its message. */
  errors: { file: string; message: string }[]
}

export interface SuiteResult {
  passed: string[]
  failed: { title: string; error: string }[]
  pending: string[]
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  durationMs: number
  /** The json reporter wrote its file (false when the process died before mocha's end). */
  reported: boolean
  /** Absolute paths of the CommonJS modules loaded in the mocha process. */
  loaded: string[]
  /** stdout + stderr, last 4 KB. */
  outputTail: string
  /** Node's process warnings on stderr (`(node:PID) XxxWarning: ...`), without the pid, deduplicated. */
  warnings: string[]
}

export interface PackageRun {
  pkg: RealPackage
  mode: Mode
  dir: string
  transform: TransformSummary | null
  /** Transformed files that the suite actually loaded. */
  transformedLoaded: number
  /** The built platform was loaded in the mocha process. */
  platformLoaded: boolean
  suite: SuiteResult
}

export interface Comparison {
  /** Titles that pass in the baseline and not here (counted with multiplicity). */
  lost: string[]
  /** Titles that pass here and not in the baseline. */
  gained: string[]
  /** Known-flaky titles (RealPackage.flaky) left out of lost/gained that differed. */
  flakyDiffered: string[]
  /** Process warnings printed here and not in the baseline. */
  newWarnings: string[]
}

async function walkFiles(root: string, dir = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...(await walkFiles(root, rel)))
    } else if (entry.isFile()) out.push(rel)
  }
  return out.sort()
}

function countMatches(haystack: string, needle: string): number {
  let count = 0
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++
  return count
}

/** The name a platform member replaced in the source: `Math_random` was `Math.random`. */
function originalPrefixes(member: string): string[] {
  const dotted = member.replace('_', '.')
  return [member, dotted, `globalThis.${member}`, `global.${member}`, `globalThis.${dotted}`, `global.${dotted}`]
}

/**
 * Transform one file in place (`code` → output + inline source map). Counts the sites and checks
 * through the map that each `__marionette_platform.X` points back at `X` (or `Math.random`...) in
 * the original.
 */
export function transformFile(code: string, id: string, file: string, options: TransformOptions): { code: string; rewrite: FileRewrite } | null {
  const result = transformCode(code, id, options)
  if (!result) return null
  const sites: Record<string, number> = {}
  let unmapped = 0
  const map = result.map ? new SourceMap(JSON.parse(result.map.toString()) as never) : null
  const originalLines = code.split('\n')
  const outputLines = result.code.split('\n')
  const memberPattern = /__marionette_platform\.([A-Za-z_]+)/g
  outputLines.forEach((line, lineIndex) => {
    for (const match of line.matchAll(memberPattern)) {
      const member = match[1]!
      sites[member] = (sites[member] ?? 0) + 1
      if (!map) continue
      const entry = map.findEntry(lineIndex, match.index) as { originalLine?: number; originalColumn?: number }
      const original = entry.originalLine === undefined ? undefined : originalLines[entry.originalLine]?.slice(entry.originalColumn)
      if (!original || !originalPrefixes(member).some((prefix) => original.startsWith(prefix))) unmapped++
    }
  })
  for (const module of REDIRECTED_MODULES) {
    const specifier = options.moduleSpecifier(module)
    const count = countMatches(result.code, `"${specifier}"`) + countMatches(result.code, `'${specifier}'`)
    if (count > 0) sites[`module:${module}`] = count
  }
  const inline = result.map ? `\n//# sourceMappingURL=${result.map.toUrl()}\n` : ''
  return { code: result.code + inline, rewrite: { file, sites, unmapped } }
}

/** Transform the files of the package copy at `dir` that `select` picks. */
export async function transformPackage(
  dir: string,
  select: (path: string) => boolean,
  root: string,
  options: TransformOptions = builtPlatformOptions(root),
): Promise<TransformSummary> {
  const summary: TransformSummary = { considered: 0, files: [], sites: {}, totalSites: 0, unmapped: 0, errors: [] }
  for (const file of await walkFiles(dir)) {
    if (!select(file)) continue
    summary.considered++
    const path = join(dir, ...file.split('/'))
    const code = await readFile(path, 'utf8')
    let out: ReturnType<typeof transformFile>
    try {
      out = transformFile(code, path, file, options)
    } catch (error) {
      summary.errors.push({ file, message: error instanceof Error ? error.message : String(error) })
      continue
    }
    if (!out) continue
    await writeFile(path, out.code)
    summary.files.push(out.rewrite)
    summary.unmapped += out.rewrite.unmapped
    for (const [key, count] of Object.entries(out.rewrite.sites)) {
      summary.sites[key] = (summary.sites[key] ?? 0) + count
      summary.totalSites += count
    }
  }
  return summary
}

/** Loaded at the start of the mocha process: records which CommonJS modules were loaded. */
const PROBE = `'use strict'
const fs = require('fs')
const out = process.env.REAL_PACKAGES_LOADED
process.on('exit', () => {
  try { fs.writeFileSync(out, JSON.stringify(Object.keys(require.cache))) } catch {}
})
`

interface MochaJson {
  passes: { fullTitle: string }[]
  failures: { fullTitle: string; err?: { message?: string } }[]
  pending: { fullTitle: string }[]
}

/** Run mocha (the repository's, same version for every mode) in `cwd`. */
export async function runMocha(cwd: string, args: readonly string[], timeoutMs: number, work: string, root: string): Promise<SuiteResult> {
  const resultFile = join(work, 'mocha.json')
  const loadedFile = join(work, 'loaded.json')
  const probe = join(work, 'probe.cjs')
  await writeFile(probe, PROBE)
  const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // The suites run as a developer runs them, not as Vitest workers.
    if (key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key === 'TEST' || key === 'NODE_ENV') continue
    env[key] = value
  }
  env.REAL_PACKAGES_LOADED = loadedFile
  env.NO_COLOR = '1'
  const argv = [
    '--enable-source-maps',
    '--require',
    probe,
    mocha,
    ...args,
    '--reporter',
    'json',
    '--reporter-option',
    `output=${resultFile}`,
  ]
  const started = performance.now()
  const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let stderr = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4096)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', (chunk: Buffer) => {
    keep(chunk)
    stderr += chunk.toString('utf8')
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.on('close', (code, sig) => resolve([code, sig]))
  })
  clearTimeout(timer)
  const durationMs = performance.now() - started
  let json: MochaJson | null = null
  try {
    json = JSON.parse(await readFile(resultFile, 'utf8')) as MochaJson
  } catch {
    json = null
  }
  let loaded: string[] = []
  try {
    loaded = JSON.parse(await readFile(loadedFile, 'utf8')) as string[]
  } catch {
    loaded = []
  }
  return {
    passed: json?.passes.map((t) => t.fullTitle) ?? [],
    failed: json?.failures.map((t) => ({ title: t.fullTitle, error: (t.err?.message ?? '').split('\n')[0] ?? '' })) ?? [],
    pending: json?.pending.map((t) => t.fullTitle) ?? [],
    exitCode,
    signal,
    timedOut,
    durationMs,
    reported: json !== null,
    loaded,
    outputTail: output,
    warnings: [...new Set(stderr.split('\n').flatMap((line) => /^\(node:\d+\) (\w*Warning: .*)$/.exec(line)?.slice(1) ?? []))],
  }
}

export interface RunOptions {
  /** Repository root (default: found from this file). */
  root?: string
  /** Keep the temporary folders (default: only those of runs that lost a test). */
  keep?: boolean
  /**
   * Other transform options (default: builtPlatformOptions(root)), e.g. to point the output at a
   * deliberately wrong platform and see the suites catch it (docs/real-packages.md).
   */
  transformOptions?: TransformOptions
}

/** Copy `pkg` from node_modules into a fresh temporary folder, transform per `mode`, run its suite. */
export async function runPackage(pkg: RealPackage, mode: Mode, options: RunOptions = {}): Promise<PackageRun> {
  const root = options.root ?? repoRoot()
  const source = join(root, 'node_modules', pkg.name)
  const manifest = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as { version: string }
  if (manifest.version !== pkg.version) {
    throw new Error(`node_modules/${pkg.name} is ${manifest.version}, expected ${pkg.version}: run npm install`)
  }
  const transformOptions = options.transformOptions ?? builtPlatformOptions(root)
  if (mode !== 'baseline' && !existsSync(transformOptions.platform)) {
    throw new Error(`${transformOptions.platform} is missing: run npm run build first`)
  }
  // The real path: require.cache holds real paths (a symlinked tmpdir would not match).
  const work = await realpath(await mkdtemp(join(tmpdir(), `marionette-real-${pkg.name}-${mode}-`)))
  const dir = join(work, 'package')
  await cp(source, dir, { recursive: true, dereference: true })
  // The package's dependencies and the test tools resolve from the repository's node_modules.
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'), 'dir')
  let transform: TransformSummary | null = null
  if (mode !== 'baseline') {
    const select = mode === 'all' ? (p: string) => pkg.library(p) || pkg.tests(p) : pkg.library
    transform = await transformPackage(dir, select, root, transformOptions)
  }
  const suite = await runMocha(dir, pkg.mochaArgs, pkg.timeoutMs, work, root)
  const transformedPaths = new Set((transform?.files ?? []).map((f) => join(dir, ...f.file.split('/'))))
  const run: PackageRun = {
    pkg,
    mode,
    dir,
    transform,
    transformedLoaded: suite.loaded.filter((p) => transformedPaths.has(p)).length,
    platformLoaded: suite.loaded.includes(transformOptions.platform),
    suite,
  }
  return run
}

/**
 * A deliberately wrong platform for the negative control: every global captured once, when the
 * platform loads, instead of read at call time. Test suites that install fakes later (sinon's fake
 * timers in memory-cache, timekeeper's FakeDate) must fail against it, or they prove nothing.
 */
export const LOAD_TIME_PLATFORM = `// Negative control (plugin/real_packages/run.ts): globals captured at load time.
export const Date = globalThis.Date
export const performance = globalThis.performance
export const setTimeout = globalThis.setTimeout
export const clearTimeout = globalThis.clearTimeout
export const setInterval = globalThis.setInterval
export const clearInterval = globalThis.clearInterval
export const setImmediate = globalThis.setImmediate
export const clearImmediate = globalThis.clearImmediate
export const Math_random = Math.random
export const process_hrtime = process.hrtime
export const process_nextTick = process.nextTick
export const crypto_randomUUID = globalThis.crypto.randomUUID.bind(globalThis.crypto)
export const crypto_getRandomValues = globalThis.crypto.getRandomValues.bind(globalThis.crypto)
`

/** Run `pkg` in `mode` against LOAD_TIME_PLATFORM (the builtin-module wrappers stay the built ones). */
export async function runAgainstLoadTimePlatform(pkg: RealPackage, mode: Exclude<Mode, 'baseline'>, options: RunOptions = {}): Promise<PackageRun> {
  const root = options.root ?? repoRoot()
  const holder = await realpath(await mkdtemp(join(tmpdir(), 'marionette-real-load-time-platform-')))
  const platform = join(holder, 'platform.mjs')
  await writeFile(platform, LOAD_TIME_PLATFORM)
  try {
    const run = await runPackage(pkg, mode, { ...options, root, transformOptions: { ...builtPlatformOptions(root), platform } })
    if (!options.keep) await cleanUp(run)
    return run
  } finally {
    await rm(holder, { recursive: true, force: true })
  }
}

/** Remove a run's temporary folder. */
export async function cleanUp(run: PackageRun): Promise<void> {
  await rm(dirname(run.dir), { recursive: true, force: true })
}

function multiset(titles: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const title of titles) counts.set(title, (counts.get(title) ?? 0) + 1)
  return counts
}

/** Which baseline passes a run lost, and which passes it gained (known-flaky titles apart). */
export function compare(baseline: SuiteResult, other: SuiteResult, flaky: Readonly<Record<string, string>> = {}): Comparison {
  const base = multiset(baseline.passed)
  const here = multiset(other.passed)
  const lost: string[] = []
  const gained: string[] = []
  const flakyDiffered: string[] = []
  const note = (title: string, into: string[]): void => {
    ;(Object.hasOwn(flaky, title) ? flakyDiffered : into).push(title)
  }
  for (const [title, count] of base) for (let i = here.get(title) ?? 0; i < count; i++) note(title, lost)
  for (const [title, count] of here) for (let i = base.get(title) ?? 0; i < count; i++) note(title, gained)
  const newWarnings = other.warnings.filter((w) => !baseline.warnings.includes(w))
  return { lost, gained, flakyDiffered, newWarnings }
}

/** Failed titles, known-flaky ones apart. */
export function steadyFailures(suite: SuiteResult, flaky: Readonly<Record<string, string>> = {}): string[] {
  return suite.failed.map((f) => f.title).filter((title) => !Object.hasOwn(flaky, title))
}

export interface PackageReport {
  pkg: RealPackage
  runs: Record<Mode, PackageRun>
  library: Comparison
  all: Comparison
  /** mustRewrite entries with no site in the library. */
  missingRewrites: string[]
  /** mustRewriteWithTests entries with no site in library + tests. */
  missingRewritesWithTests: string[]
}

/** Run `jobs` with at most `limit` at once; results in input order. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++
      results[index] = await jobs[index]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker))
  return results
}

/**
 * All modes of all packages (or those named), `concurrency` suites at a time (default 3: the
 * longest suite, node-persist's, mostly waits on timers).
 */
export async function runAll(options: RunOptions & { names?: readonly string[]; concurrency?: number } = {}): Promise<PackageReport[]> {
  const root = options.root ?? repoRoot()
  const packages = options.names?.length ? REAL_PACKAGES.filter((p) => options.names!.includes(p.name)) : REAL_PACKAGES
  const missing = (options.names ?? []).filter((n) => !REAL_PACKAGES.some((p) => p.name === n))
  if (missing.length) throw new Error(`unknown package(s): ${missing.join(', ')}`)
  // Longest suites first, so the pool is not left waiting on one at the end.
  const order = [...packages].sort((a, b) => b.timeoutMs - a.timeoutMs)
  const jobs = order.flatMap((pkg) => MODES.map((mode) => () => runPackage(pkg, mode, { ...options, root })))
  const runs = await pool(jobs, options.concurrency ?? 3)
  const reports: PackageReport[] = packages.map((pkg) => {
    const get = (mode: Mode): PackageRun => runs.find((r) => r.pkg === pkg && r.mode === mode)!
    const byMode = { baseline: get('baseline'), library: get('library'), all: get('all') }
    const librarySites = byMode.library.transform?.sites ?? {}
    const allSites = byMode.all.transform?.sites ?? {}
    return {
      pkg,
      runs: byMode,
      library: compare(byMode.baseline.suite, byMode.library.suite, pkg.flaky),
      all: compare(byMode.baseline.suite, byMode.all.suite, pkg.flaky),
      missingRewrites: pkg.mustRewrite.filter((key) => !librarySites[key]),
      missingRewritesWithTests: pkg.mustRewriteWithTests.filter((key) => !allSites[key]),
    }
  })
  for (const report of reports) {
    for (const mode of MODES) {
      const run = report.runs[mode]
      const lost = mode === 'baseline' ? false : report[mode].lost.length > 0
      if (!options.keep && !lost && run.suite.reported) await cleanUp(run)
    }
  }
  return reports
}

function sitesText(sites: Record<string, number>): string {
  return Object.entries(sites)
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ${count}`)
    .join(', ')
}

function suiteText(suite: SuiteResult): string {
  if (!suite.reported) return suite.timedOut ? 'timed out' : `no report (exit ${suite.exitCode ?? suite.signal})`
  return `${suite.passed.length} passed, ${suite.failed.length} failed, ${suite.pending.length} pending (${(suite.durationMs / 1000).toFixed(1)} s)`
}

/** A Markdown report of `reports`. */
export function formatReport(reports: readonly PackageReport[]): string {
  const lines: string[] = []
  lines.push('| package | leans on | baseline | library transformed | library + tests transformed |')
  lines.push('| --- | --- | --- | --- | --- |')
  for (const r of reports) {
    lines.push(
      `| ${r.pkg.name}@${r.pkg.version} | ${r.pkg.leansOn.join(', ')} | ${suiteText(r.runs.baseline.suite)} | ${suiteText(r.runs.library.suite)} | ${suiteText(r.runs.all.suite)} |`,
    )
  }
  lines.push('')
  lines.push('| package | library: files transformed / considered, sites | library + tests: files, sites |')
  lines.push('| --- | --- | --- |')
  for (const r of reports) {
    const lib = r.runs.library.transform!
    const all = r.runs.all.transform!
    lines.push(
      `| ${r.pkg.name} | ${lib.files.length} / ${lib.considered} (${r.runs.library.transformedLoaded} loaded): ${lib.totalSites} sites (${sitesText(lib.sites)}) | ${all.files.length} / ${all.considered} (${r.runs.all.transformedLoaded} loaded): ${all.totalSites} sites (${sitesText(all.sites)}) |`,
    )
  }
  for (const r of reports) {
    const notes: string[] = []
    for (const mode of ['library', 'all'] as const) {
      const run = r.runs[mode]
      for (const title of r[mode].lost) {
        const failure = run.suite.failed.find((f) => f.title === title)
        notes.push(`- ${mode}: lost "${title}"${failure ? `: ${failure.error}` : ''}`)
      }
      for (const title of r[mode].gained) notes.push(`- ${mode}: gained "${title}"`)
      for (const warning of r[mode].newWarnings) notes.push(`- ${mode}: new warning: ${warning}`)
      for (const title of r[mode].flakyDiffered) notes.push(`- ${mode}: known-flaky "${title}" differed (${r.pkg.flaky?.[title] ?? ''})`)
      for (const error of run.transform?.errors ?? []) notes.push(`- ${mode}: transform rejected ${error.file}: ${error.message}`)
      if ((run.transform?.unmapped ?? 0) > 0) notes.push(`- ${mode}: ${run.transform!.unmapped} sites not mapped back`)
      if (!run.suite.reported) notes.push(`- ${mode}: no report; output ends:\n${run.suite.outputTail}`)
    }
    for (const f of r.runs.baseline.suite.failed) notes.push(`- baseline fails too: "${f.title}": ${f.error}`)
    if (r.missingRewrites.length) notes.push(`- library: no rewrite of ${r.missingRewrites.join(', ')}`)
    if (r.missingRewritesWithTests.length) notes.push(`- all: no rewrite of ${r.missingRewritesWithTests.join(', ')}`)
    if (notes.length) lines.push('', `${r.pkg.name}:`, ...notes)
  }
  return lines.join('\n')
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (invokedDirectly) {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const keep = process.argv.includes('--keep')
  const started = performance.now()
  const reports = await runAll({ names, keep })
  console.log(formatReport(reports))
  console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`)
  const bad = reports.some(
    (r) => r.library.lost.length + r.all.lost.length + r.missingRewrites.length + r.missingRewritesWithTests.length > 0,
  )
  process.exitCode = bad ? 1 : 0
}

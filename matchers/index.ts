/**
 * Vitest matchers for Marionette runs: `toReplayIdentically`, `toFailCheck`,
 * `toPassChecks`, `toHaveTraced` and `toMatchTraceSnapshot`. All are async:
 * `await expect(x).toX()` (a forgotten `await` fails the run with an
 * unhandled rejection).
 *
 * Register with `expect.extend(marionetteMatchers)` (or `registerMatchers(expect)`);
 * `matchers/setup.ts` does it as a Vitest setup file.
 */
import path from 'node:path'
import type { MatcherState } from 'vitest'
import { run, runCase, type Case, type RunOptions, type Scenario } from '../src/run/run.js'
import { RunReport } from '../src/run/report.js'
import { formatDivergence } from '../src/run/replay.js'
import type { SeedInput } from '../src/world/seed.js'
import { escapeTraceText, type TraceValue } from '../src/world/trace.js'

/** Something a matcher can run: a scenario, a stateful case, or either with run options. */
export type MatcherRunnable =
  | Scenario
  | Case<any>
  | { readonly scenario: Scenario | Case<any>; readonly options?: Partial<RunOptions> }

/** What the report matchers accept: a finished report, or something to run first. */
export type MatcherReceived = RunReport | MatcherRunnable

/** Options of the matchers that run their received value: the seed (default 0). */
export interface MatcherRunOptions {
  seed?: SeedInput
}

interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

const RUNNABLE_KINDS = 'a scenario function (sim) => ..., a Case ({ name, init, scenario }) or { scenario, options }'
const REPORT_KINDS = `a RunReport (from run/runCase) or a scenario function (or a Case, or { scenario, options })`
const CLOSEST_LINES = 5

function describeKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Uint8Array) return 'Uint8Array'
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name
    return name !== undefined && name !== 'Object' ? name : `object with keys {${Object.keys(value).join(', ')}}`
  }
  return typeof value
}

function isRunReport(value: unknown): value is RunReport {
  if (value instanceof RunReport) return true
  // A report from a second copy of the module (dist next to src) is a report too.
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<RunReport>
  return (
    candidate.trace instanceof Uint8Array &&
    typeof candidate.outcome === 'string' &&
    typeof candidate.failedCheck === 'function' &&
    typeof candidate.writeSummary === 'function' &&
    typeof candidate.traceText === 'function'
  )
}

function isCase(value: unknown): value is Case<any> {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Case<unknown>>
  return typeof candidate.name === 'string' && typeof candidate.init === 'function' && typeof candidate.scenario === 'function'
}

interface Resolved {
  readonly target: Scenario | Case<any>
  readonly options: Partial<RunOptions>
}

function resolveRunnable(value: unknown): Resolved | null {
  if (typeof value === 'function') return { target: value as Scenario, options: {} }
  if (isCase(value)) return { target: value, options: {} }
  if (typeof value === 'object' && value !== null && 'scenario' in value) {
    const { scenario, options } = value as { scenario: unknown; options?: unknown }
    const options_ok = options === undefined || (typeof options === 'object' && options !== null)
    if (options_ok && (typeof scenario === 'function' || isCase(scenario))) {
      return { target: scenario as Scenario | Case<any>, options: (options ?? {}) as Partial<RunOptions> }
    }
  }
  return null
}

function checkRunOptions(matcher: string, options: unknown): MatcherRunOptions {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${matcher}: the options argument must be an object such as { seed: 1 }, got ${describeKind(options)}`)
  }
  return options as MatcherRunOptions
}

function runResolved(resolved: Resolved, matcher_options: MatcherRunOptions, replay?: boolean): Promise<RunReport> {
  const options: RunOptions = {
    ...resolved.options,
    seed: matcher_options.seed ?? resolved.options.seed ?? 0,
    ...(replay === undefined ? {} : { replay }),
  }
  return typeof resolved.target === 'function' ? run(resolved.target, options) : runCase(resolved.target, options)
}

/** The received value as a report: a report as is, a runnable run first (seed from the options, default 0). */
async function toReport(matcher: string, received: unknown, options: MatcherRunOptions = {}): Promise<RunReport> {
  if (isRunReport(received)) return received
  const resolved = resolveRunnable(received)
  if (resolved === null) throw new TypeError(`${matcher} expects ${REPORT_KINDS}, got ${describeKind(received)}`)
  return runResolved(resolved, options)
}

function indent(text: string, prefix = '  '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n')
}

function failedCheckNames(report: RunReport): string {
  return report.failures.length === 0 ? 'none' : report.failures.map((failure) => failure.name).join(', ')
}

/** A field value as it appears in a trace line (the way `recordFields` writes it). */
function traceText(event: string, key: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escapeTraceText(value)
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      throw new TypeError(
        `toHaveTraced: field ${key} of ${event} must be a string, number, bigint or boolean, got ${describeKind(value)}`,
      )
  }
}

interface EventLine {
  readonly line: string
  readonly name: string
  readonly fields: ReadonlyMap<string, string>
}

function parseEventLine(line: string): EventLine | null {
  if (!line.startsWith('event=')) return null
  const parts = line.split(' ')
  const name = parts[1]
  if (name === undefined) return null
  const fields = new Map<string, string>()
  for (const part of parts.slice(2)) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1))
  }
  return { line, name, fields }
}

function traceSnapshotPath(matcher: string, state: MatcherState, hint: string | undefined): string {
  const test_path = state.testPath
  const test_name = state.currentTestName
  if (test_path === undefined || test_name === undefined || test_name === '') {
    throw new Error(`${matcher} must be called inside a Vitest test (it names the snapshot file after the test file and test name)`)
  }
  const slug = (text: string): string =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 120) || 'trace'
  const name = slug(test_name) + (hint === undefined ? '' : '.' + slug(hint))
  return path.join(path.dirname(test_path), '__traces__', path.basename(test_path), `${name}.trace`)
}

export const marionetteMatchers = {
  async toReplayIdentically(this: MatcherState, received: unknown, options?: MatcherRunOptions): Promise<MatcherResult> {
    const matcher = 'toReplayIdentically'
    const run_options = checkRunOptions(matcher, options)
    if (isRunReport(received)) {
      throw new TypeError(`${matcher} expects ${RUNNABLE_KINDS}, got RunReport (a report cannot be run again; pass its scenario)`)
    }
    const resolved = resolveRunnable(received)
    if (resolved === null) throw new TypeError(`${matcher} expects ${RUNNABLE_KINDS}, got ${describeKind(received)}`)
    const report = await runResolved(resolved, run_options, true)
    const divergence = report.divergence
    if (divergence === null) {
      return {
        pass: true,
        message: () =>
          `expected run ${report.name} (seed ${report.seed.text}) not to replay identically, ` +
          `but both runs produced the same trace (${report.event_count} events, ${report.trace.byteLength} bytes)`,
      }
    }
    return {
      pass: false,
      message: () => `expected run ${report.name} (seed ${report.seed.text}) to replay identically.\n` + formatDivergence(divergence),
      // The differing region of each trace, so the reporter prints a diff.
      expected: divergence.first_run.join('\n'),
      actual: divergence.second_run.join('\n'),
    }
  },

  async toFailCheck(this: MatcherState, received: unknown, name: unknown, options?: MatcherRunOptions): Promise<MatcherResult> {
    const matcher = 'toFailCheck'
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`${matcher} expects the name of a check (a non-empty string), got ${describeKind(name)}`)
    }
    const report = await toReport(matcher, received, checkRunOptions(matcher, options))
    if (report.failedCheck(name)) {
      const detail = report.failures.find((failure) => failure.name === name)?.detail ?? ''
      return {
        pass: true,
        message: () => `expected check ${name} not to fail, but it failed: ${detail}\n${indent(report.writeSummary())}`,
      }
    }
    return {
      pass: false,
      message: () =>
        `expected check ${name} to fail, but it did not (outcome ${report.outcome}; failed checks: ${failedCheckNames(report)})\n` +
        indent(report.writeSummary()),
    }
  },

  async toPassChecks(this: MatcherState, received: unknown, options?: MatcherRunOptions): Promise<MatcherResult> {
    const matcher = 'toPassChecks'
    const report = await toReport(matcher, received, checkRunOptions(matcher, options))
    if (report.passed) {
      return { pass: true, message: () => `expected run ${report.name} (seed ${report.seed.text}) not to pass, but it passed` }
    }
    return {
      pass: false,
      message: () => `expected run ${report.name} to pass, but its outcome is ${report.outcome}\n${indent(report.writeSummary())}`,
    }
  },

  async toHaveTraced(
    this: MatcherState,
    received: unknown,
    event: unknown,
    fields?: Readonly<Record<string, TraceValue>>,
    options?: MatcherRunOptions,
  ): Promise<MatcherResult> {
    const matcher = 'toHaveTraced'
    if (typeof event !== 'string' || event === '') {
      throw new TypeError(`${matcher} expects an event name (a non-empty string), got ${describeKind(event)}`)
    }
    if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) {
      throw new TypeError(`${matcher}: fields must be an object of field values, got ${describeKind(fields)}`)
    }
    const wanted = Object.entries(fields ?? {}).map(([key, value]) => [key, traceText(event, key, value)] as const)
    const report = await toReport(matcher, received, checkRunOptions(matcher, options))
    const lines = report.traceText().split('\n')
    const named = lines.map(parseEventLine).filter((line): line is EventLine => line !== null && line.name === event)
    const score = (line: EventLine): number => wanted.filter(([key, text]) => line.fields.get(key) === text).length
    const description = event + wanted.map(([key, text]) => ` ${key}=${text}`).join('')
    const match = named.find((line) => score(line) === wanted.length)
    if (match !== undefined) {
      return { pass: true, message: () => `expected the trace not to contain ${description}, but it does:\n  ${match.line}` }
    }
    const closest = named
      .map((line, index) => ({ line, index, score: score(line) }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, CLOSEST_LINES)
      .sort((a, b) => a.index - b.index)
    const found =
      named.length === 0
        ? `no event named ${event} in the trace (${report.event_count} events)`
        : `closest of ${named.length} ${event} events:\n` + closest.map(({ line }) => `  ${line.line}`).join('\n')
    return {
      pass: false,
      message: () => `expected the trace of run ${report.name} (seed ${report.seed.text}) to contain ${description}; ${found}`,
    }
  },

  async toMatchTraceSnapshot(
    this: MatcherState,
    received: unknown,
    hint?: string,
    options?: MatcherRunOptions,
  ): Promise<MatcherResult> {
    const matcher = 'toMatchTraceSnapshot'
    if (this.isNot) throw new Error(`${matcher} cannot be used with .not`)
    if (hint !== undefined && typeof hint !== 'string') {
      throw new TypeError(`${matcher}: the hint must be a string, got ${describeKind(hint)}`)
    }
    const report = await toReport(matcher, received, checkRunOptions(matcher, options))
    const file = traceSnapshotPath(matcher, this, hint)
    // Loaded here: 'vitest' is only importable inside a Vitest worker.
    const { expect } = await import('vitest')
    try {
      await expect(report.traceText()).toMatchFileSnapshot(file)
    } catch (error) {
      const failure = error as { message?: unknown; actual?: unknown; expected?: unknown }
      return {
        pass: false,
        message: () =>
          `the trace of run ${report.name} (seed ${report.seed.text}) does not match its snapshot ${path.relative(process.cwd(), file)} ` +
          `(update with vitest -u)\n${String(failure.message ?? error)}`,
        actual: failure.actual,
        expected: failure.expected,
      }
    }
    return { pass: true, message: () => `the trace matches its snapshot ${file}` }
  },
}

/** Registers the matchers on an `expect` (Vitest's, or one from `createExpect`). */
export function registerMatchers(expect: { extend: (matchers: typeof marionetteMatchers) => void }): void {
  expect.extend(marionetteMatchers)
}

/** The matchers' types, merged into Vitest's `Matchers` by the `declare module` block below. */
export interface MarionetteMatchers<R = unknown> {
  /** Runs the received scenario/case twice with one seed (default 0) and passes when the traces are byte-identical. */
  toReplayIdentically(options?: MatcherRunOptions): Promise<R>
  /** Passes when the named check failed in the report (a runnable is run first). */
  toFailCheck(name: string, options?: MatcherRunOptions): Promise<R>
  /** Passes when the run passed: no failed checks, no error, identical replay. */
  toPassChecks(options?: MatcherRunOptions): Promise<R>
  /** Passes when the trace has an event with this name and (if given) these field values. */
  toHaveTraced(event: string, fields?: Readonly<Record<string, TraceValue>>, options?: MatcherRunOptions): Promise<R>
  /** Compares the trace bytes with `__traces__/<test file>/<test name>[.<hint>].trace` (updated with `vitest -u`). */
  toMatchTraceSnapshot(hint?: string, options?: MatcherRunOptions): Promise<R>
}

declare module 'vitest' {
  interface Matchers<T = any> extends MarionetteMatchers<void> {}
}

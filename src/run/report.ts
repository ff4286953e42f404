import type { CheckFailure } from '../sim/simulation.js'
import type { Seed } from '../world/seed.js'
import { formatDivergence, type Divergence } from './replay.js'

export type RunOutcome = 'passed' | 'check_failed' | 'error' | 'nondeterministic'

export interface RunReportFields {
  readonly name: string
  readonly seed: Seed
  readonly failures: readonly CheckFailure[]
  readonly error: unknown
  readonly replay: 'identical' | 'diverged' | 'skipped'
  readonly divergence: Divergence | null
  readonly trace: Uint8Array
  readonly steps: number
  readonly final_now_ns: string
  readonly event_count: number
}

const LAST_EVENTS = 8

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/** The result of one run (both attempts when replay comparison is on). */
// Declaration merging: the class carries every field of RunReportFields without restating them.
export interface RunReport extends RunReportFields {}
export class RunReport {
  constructor(fields: RunReportFields) {
    Object.assign(this, fields)
  }

  get outcome(): RunOutcome {
    if (this.replay === 'diverged') return 'nondeterministic'
    if (this.error !== null) return 'error'
    if (this.failures.length > 0) return 'check_failed'
    return 'passed'
  }

  get passed(): boolean {
    return this.outcome === 'passed'
  }

  /** Whether the named check failed in this run. */
  failedCheck(name: string): boolean {
    return this.failures.some((failure) => failure.name === name)
  }

  traceText(): string {
    return Buffer.from(this.trace.buffer, this.trace.byteOffset, this.trace.byteLength).toString('latin1')
  }

  /** One line: what happened, for logs and error messages. */
  headline(): string {
    const seed = `seed ${this.seed.text}`
    switch (this.outcome) {
      case 'passed':
        return `run ${this.name} passed (${seed})`
      case 'check_failed':
        return `run ${this.name} failed (${seed}): check ${this.failures.map((f) => f.name).join(', ')} failed`
      case 'error':
        return `run ${this.name} failed (${seed}): ${describeError(this.error).split('\n')[0]}`
      case 'nondeterministic':
        return `run ${this.name} is nondeterministic (${seed}): two runs of the same seed produced different traces`
    }
  }

  /** A deterministic plain-text account of the run, for terminals and failure messages. */
  writeSummary(write?: (chunk: string) => void): string {
    let text = this.headline() + '\n'
    text += `  seed: ${this.seed.text}\n`
    text += `  outcome: ${this.outcome}\n`
    for (const failure of this.failures) text += `  check failed: ${failure.name}: ${failure.detail}\n`
    if (this.error !== null) text += `  error: ${describeError(this.error)}\n`
    text += `  replay: ${this.replay}\n`
    text += `  trace: ${this.event_count} events, ${this.trace.byteLength} bytes, final now_ns=${this.final_now_ns}, steps=${this.steps}\n`
    if (this.divergence !== null) {
      text += formatDivergence(this.divergence)
        .split('\n')
        .map((line) => (line === '' ? '' : `  ${line}`))
        .join('\n')
    } else if (!this.passed) {
      const lines = this.traceText().trimEnd().split('\n')
      const events = lines.filter((line) => line.startsWith('event='))
      const shown = events.slice(-LAST_EVENTS)
      text += `  last ${shown.length} of ${events.length} events:\n`
      for (const line of shown) text += `    ${line}\n`
    }
    write?.(text)
    return text
  }
}

/** Thrown by `expectPass`, `expectFailure` and `expectFuzz` when a run does not go as expected. */
export class RunFailure extends Error {
  override name = 'RunFailure'
  constructor(
    readonly report: RunReport,
    message: string = report.headline(),
  ) {
    // The summary opens with the headline; say it once.
    super(message === report.headline() ? report.writeSummary() : message + '\n' + report.writeSummary())
  }

  writeSummary(write?: (chunk: string) => void): string {
    return this.report.writeSummary(write)
  }
}

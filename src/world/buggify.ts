import type { Random } from './random.js'
import { isValidTraceName, InvalidTracePayload, type Trace } from './trace.js'

/**
 * How often a buggify site fires. Build one with `BuggifyRate.never()`,
 * `.always()`, `.percent(p)` (integer 0..100) or `.ratio(n, d)` (0 <= n <= d, d > 0).
 */
export type BuggifyRate =
  | { readonly kind: 'never' }
  | { readonly kind: 'always' }
  | { readonly kind: 'percent'; readonly percent: number }
  | { readonly kind: 'ratio'; readonly numerator: number; readonly denominator: number }

export class InvalidBuggifyRate extends Error {
  override name = 'InvalidBuggifyRate'
}

export const BuggifyRate = {
  never(): BuggifyRate {
    return { kind: 'never' }
  },
  always(): BuggifyRate {
    return { kind: 'always' }
  },
  percent(percent: number): BuggifyRate {
    return validateRate({ kind: 'percent', percent })
  },
  ratio(numerator: number, denominator: number): BuggifyRate {
    return validateRate({ kind: 'ratio', numerator, denominator })
  },
} as const

/** Checks a rate built by hand (e.g. from JSON config); returns it unchanged when valid. */
export function validateRate(rate: BuggifyRate): BuggifyRate {
  if (typeof rate !== 'object' || rate === null) {
    throw new InvalidBuggifyRate(`a buggify rate must be an object built with BuggifyRate.*, got ${String(rate)}`)
  }
  switch (rate.kind) {
    case 'never':
    case 'always':
      return rate
    case 'percent':
      if (!Number.isInteger(rate.percent) || rate.percent < 0 || rate.percent > 100) {
        throw new InvalidBuggifyRate(`BuggifyRate.percent(${rate.percent}): the percentage must be an integer from 0 to 100`)
      }
      return rate
    case 'ratio':
      if (!Number.isSafeInteger(rate.denominator) || rate.denominator <= 0) {
        throw new InvalidBuggifyRate(
          `BuggifyRate.ratio(${rate.numerator}, ${rate.denominator}): the denominator must be a positive integer`,
        )
      }
      if (!Number.isSafeInteger(rate.numerator) || rate.numerator < 0 || rate.numerator > rate.denominator) {
        throw new InvalidBuggifyRate(
          `BuggifyRate.ratio(${rate.numerator}, ${rate.denominator}): the numerator must be an integer from 0 to the denominator`,
        )
      }
      return rate
    default:
      throw new InvalidBuggifyRate(
        `unknown buggify rate kind ${JSON.stringify((rate as { kind: unknown }).kind)}; use never, always, percent or ratio`,
      )
  }
}

/** `percent:10`, `ratio:1/8`, `never`, `always`: how a rate appears in the trace. */
export function formatRate(rate: BuggifyRate): string {
  switch (rate.kind) {
    case 'never':
    case 'always':
      return rate.kind
    case 'percent':
      return `percent:${rate.percent}`
    case 'ratio':
      return `ratio:${rate.numerator}/${rate.denominator}`
  }
}

/**
 * Rolls a rate. `never` and `always` draw nothing, so changing a site between
 * them and a probabilistic rate is the only thing that shifts the stream.
 */
export function rollRate(rate: BuggifyRate, random: Random): { roll: number | null; fired: boolean } {
  switch (rate.kind) {
    case 'never':
      return { roll: null, fired: false }
    case 'always':
      return { roll: null, fired: true }
    case 'percent': {
      const roll = random.intLessThan(100)
      return { roll, fired: roll < rate.percent }
    }
    case 'ratio': {
      const roll = random.intLessThan(rate.denominator)
      return { roll, fired: roll < rate.numerator }
    }
  }
}

/**
 * Buggify modes:
 * - `per_call`: every evaluation rolls the site's rate.
 * - `per_site` (FoundationDB's): each site is activated or not once per run, on its
 *   first evaluation, with `site_activation`; an inactive site never fires, an active
 *   one fires at its rate.
 */
export interface BuggifyOptions {
  mode?: 'per_call' | 'per_site'
  site_activation?: BuggifyRate
}

export class Buggify {
  readonly mode: 'per_call' | 'per_site'
  readonly site_activation: BuggifyRate
  readonly #activated = new Map<string, boolean>()

  constructor(
    readonly random: Random,
    readonly trace: Trace,
    options: BuggifyOptions = {},
  ) {
    this.mode = options.mode ?? 'per_call'
    if (this.mode !== 'per_call' && this.mode !== 'per_site') {
      throw new InvalidBuggifyRate(`buggify mode ${JSON.stringify(this.mode)} is unknown; use per_call or per_site`)
    }
    this.site_activation = validateRate(options.site_activation ?? BuggifyRate.percent(25))
  }

  /** Decides whether the named site fires now; the decision is always in the trace. */
  evaluate(hook: string, rate: BuggifyRate): boolean {
    if (!isValidTraceName(hook)) {
      throw new InvalidTracePayload(`buggify hook ${JSON.stringify(hook)} is invalid: hook names use only [a-z0-9_.]`)
    }
    validateRate(rate)
    if (this.mode === 'per_site' && !this.#isActive(hook)) {
      this.trace.record('buggify', { hook, rate: formatRate(rate), roll: 'none', fired: false, site: 'inactive' })
      return false
    }
    const { roll, fired } = rollRate(rate, this.random)
    this.trace.record('buggify', { hook, rate: formatRate(rate), roll: roll ?? 'none', fired })
    return fired
  }

  #isActive(hook: string): boolean {
    const known = this.#activated.get(hook)
    if (known !== undefined) return known
    const { roll, fired } = rollRate(this.site_activation, this.random)
    this.#activated.set(hook, fired)
    this.trace.record('buggify.activate', { hook, rate: formatRate(this.site_activation), roll: roll ?? 'none', active: fired })
    return fired
  }
}

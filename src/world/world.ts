import { Buggify, type BuggifyOptions, type BuggifyRate } from './buggify.js'
import { Clock, type ClockOptions } from './clock.js'
import { Random } from './random.js'
import { parseSeed, type Seed, type SeedInput } from './seed.js'
import { Trace, type AttributeValue, type TraceFields } from './trace.js'

export interface WorldOptions {
  seed: SeedInput
  /** The run's name, first line of the trace. */
  name?: string
  tags?: readonly string[]
  attributes?: Readonly<Record<string, AttributeValue>>
  clock?: ClockOptions
  max_trace_bytes?: number
  buggify?: BuggifyOptions
}

/**
 * Everything deterministic in a run flows from the World: one seed, one clock,
 * one trace, and named random streams derived from the seed.
 */
export class World {
  readonly seed: Seed
  readonly clock: Clock
  readonly trace: Trace
  readonly #streams = new Map<string, Random>()
  readonly #buggify: Buggify

  constructor(options: WorldOptions) {
    this.seed = parseSeed(options.seed)
    this.clock = new Clock(options.clock)
    this.trace = new Trace({ max_bytes: options.max_trace_bytes })
    if (options.name !== undefined) this.trace.setRunName(options.name)
    for (const tag of options.tags ?? []) this.trace.addTag(tag)
    this.trace.setAttribute('seed', this.seed.kind === 'u64' ? BigInt(this.seed.text) : this.seed.text)
    for (const [key, value] of Object.entries(options.attributes ?? {})) this.trace.setAttribute(key, value)
    this.#buggify = new Buggify(this.random('buggify'), this.trace, options.buggify)
  }

  /** The named random stream; each name gets an independent sequence derived from the seed. */
  random(stream: string): Random {
    let random = this.#streams.get(stream)
    if (random === undefined) {
      random = new Random(this.seed, stream)
      this.#streams.set(stream, random)
    }
    return random
  }

  buggify(hook: string, rate: BuggifyRate): boolean {
    return this.#buggify.evaluate(hook, rate)
  }

  record(name: string, fields?: TraceFields): void {
    this.trace.record(name, fields)
  }

  recordFields(name: string, fields: TraceFields): void {
    this.trace.recordFields(name, fields)
  }
}

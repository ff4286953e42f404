/**
 * The simulated clock. Time is an exact integer count of nanoseconds since the
 * run began, held as whole milliseconds plus a sub-millisecond remainder so that
 * plain JavaScript numbers stay exact for far more than ten simulated years
 * (2^53 ms is 285,000 years; 2^53 ns alone would be 104 days).
 */

export const NS_PER_MS = 1_000_000
/** 2024-01-01T00:00:00.000Z: the default wall-clock reading at simulated time zero. */
export const DEFAULT_EPOCH_MS = 1_704_067_200_000
/**
 * `performance.now()` and `process.hrtime()` at simulated time zero. Not zero on
 * purpose: some libraries treat a zero timestamp as "unset".
 */
export const DEFAULT_MONOTONIC_ORIGIN_NS = 1_000_000_000

export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded'
  constructor(readonly budget: 'max_steps' | 'max_time' | 'max_clock_reads_without_progress', message: string) {
    super(message)
  }
}

export interface ClockOptions {
  /** Wall-clock milliseconds since the Unix epoch at simulated time zero. */
  epoch_ms?: number
  /** Monotonic clock reading (performance.now, hrtime) at simulated time zero, in nanoseconds. */
  monotonic_origin_ns?: number
  /** Synchronous clock reads allowed while time does not move before the run fails as a busy-wait. */
  max_clock_reads_without_progress?: number
}

/** Formats an exact (ms, sub_ns) pair as a decimal nanosecond count. */
export function formatNs(ms: number, sub_ns: number): string {
  if (ms === 0) return String(sub_ns)
  return String(ms) + String(sub_ns).padStart(6, '0')
}

export class Clock {
  readonly epoch_ms: number
  readonly monotonic_origin_ns: number
  readonly max_clock_reads_without_progress: number
  /** Whole milliseconds since simulated time zero. */
  ms = 0
  /** Nanoseconds past `ms`, in [0, 1e6). */
  sub_ns = 0
  #reads_without_progress = 0
  /** Set when the busy-wait budget trips, so the run fails even if user code swallows the throw. */
  budget_error: BudgetExceeded | null = null

  constructor(options: ClockOptions = {}) {
    this.epoch_ms = options.epoch_ms ?? DEFAULT_EPOCH_MS
    this.monotonic_origin_ns = options.monotonic_origin_ns ?? DEFAULT_MONOTONIC_ORIGIN_NS
    this.max_clock_reads_without_progress = options.max_clock_reads_without_progress ?? 1_000_000
    if (!Number.isSafeInteger(this.epoch_ms) || this.epoch_ms <= 0) {
      throw new RangeError(`Clock: epoch_ms must be a positive integer (milliseconds since 1970), got ${this.epoch_ms}`)
    }
    if (!Number.isSafeInteger(this.monotonic_origin_ns) || this.monotonic_origin_ns <= 0) {
      throw new RangeError(`Clock: monotonic_origin_ns must be a positive integer, got ${this.monotonic_origin_ns}`)
    }
  }

  /** Simulated nanoseconds since time zero, exact. */
  nowNs(): bigint {
    this.#read()
    return BigInt(this.ms) * 1_000_000n + BigInt(this.sub_ns)
  }

  /** The same instant as a decimal string, for traces. Does not count as a clock read. */
  nowNsText(): string {
    return formatNs(this.ms, this.sub_ns)
  }

  /** `Date.now()`: wall-clock integer milliseconds. */
  wallMs(): number {
    this.#read()
    return this.epoch_ms + this.ms
  }

  /** `performance.now()`: monotonic fractional milliseconds. */
  monotonicMs(): number {
    this.#read()
    return this.monotonic_origin_ns / NS_PER_MS + this.ms + this.sub_ns / NS_PER_MS
  }

  /** `process.hrtime.bigint()`: monotonic nanoseconds. */
  monotonicNs(): bigint {
    this.#read()
    return BigInt(this.monotonic_origin_ns) + BigInt(this.ms) * 1_000_000n + BigInt(this.sub_ns)
  }

  /** Moves time forward to (ms, sub_ns). Only the scheduler calls this. */
  advanceTo(ms: number, sub_ns: number): void {
    if (ms < this.ms || (ms === this.ms && sub_ns < this.sub_ns)) {
      throw new Error(`Clock: time cannot go backwards (${formatNs(this.ms, this.sub_ns)} -> ${formatNs(ms, sub_ns)})`)
    }
    if (!Number.isSafeInteger(ms)) throw new RangeError(`Clock: simulated time overflow at ${ms} ms`)
    if (ms !== this.ms || sub_ns !== this.sub_ns) this.#reads_without_progress = 0
    this.ms = ms
    this.sub_ns = sub_ns
  }

  #read(): void {
    if (++this.#reads_without_progress > this.max_clock_reads_without_progress) {
      const error = new BudgetExceeded(
        'max_clock_reads_without_progress',
        `the clock was read ${this.max_clock_reads_without_progress} times while simulated time stood still at ` +
          `${this.nowNsText()} ns: code is busy-waiting on the clock. Simulated time moves only when the code awaits ` +
          '(a timer, I/O); replace the spin with an await, or raise max_clock_reads_without_progress.',
      )
      this.budget_error ??= error
      throw error
    }
  }
}

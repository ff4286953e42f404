import type { Recorder } from '../recorder.js'

/**
 * A single-job lease queue, as a worker pool would use it: a worker leases a
 * job for `lease_ms`; if it does not complete in time the lease expires and the
 * job can be leased again. Completions must come from the current lease holder.
 *
 * `accept_stale_completions` is the deliberate bug: the queue trusts any
 * completion for a job it has handed out, so a slow worker whose lease expired
 * completes the job a second time.
 */
export interface QueueOptions {
  readonly lease_ms: number
  readonly accept_stale_completions: boolean
}

type Timer = ReturnType<typeof setTimeout>

interface JobState {
  holder: number | null
  lease_timer: Timer | null
  completions: number
}

export class LeaseQueue {
  readonly #jobs = new Map<number, JobState>()

  constructor(
    readonly recorder: Recorder,
    readonly options: QueueOptions,
  ) {}

  enqueue(job: number): void {
    this.#jobs.set(job, { holder: null, lease_timer: null, completions: 0 })
  }

  /** Leases `job` to `worker`; false when another worker holds it or it is done. */
  lease(job: number, worker: number): boolean {
    const state = this.#job(job)
    if (state.holder !== null || state.completions > 0) return false
    state.holder = worker
    const deadline_ns = process.hrtime.bigint() + BigInt(this.options.lease_ms) * 1_000_000n
    this.recorder.record('queue.lease', { job, worker, deadline_ns })
    state.lease_timer = setTimeout(() => {
      state.holder = null
      state.lease_timer = null
      this.recorder.record('queue.timeout', { job, worker })
    }, this.options.lease_ms)
    return true
  }

  /** Records `worker`'s completion of `job`; returns whether it was accepted. */
  complete(job: number, worker: number): boolean {
    const state = this.#job(job)
    const current = state.holder === worker
    if (!current && !this.options.accept_stale_completions) {
      this.recorder.record('queue.complete', { job, worker, accepted: false, reason: 'stale_lease', completions: state.completions })
      return false
    }
    if (current) {
      if (state.lease_timer !== null) clearTimeout(state.lease_timer)
      state.lease_timer = null
      state.holder = null
    }
    state.completions++
    const reason = current ? 'current_lease' : 'stale_ack_bug'
    this.recorder.record('queue.complete', { job, worker, accepted: true, reason, completions: state.completions })
    if (state.completions > 1) this.recorder.record('queue.invariant_violation', { job, completions: state.completions })
    return true
  }

  completions(job: number): number {
    return this.#job(job).completions
  }

  #job(job: number): JobState {
    const state = this.#jobs.get(job)
    if (state === undefined) throw new Error(`unknown job ${job}`)
    return state
  }
}

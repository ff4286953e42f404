import type { Case } from '../../src/run/run.js'
import type { Env } from '../../src/sim/env.js'
import { LeaseQueue } from './queue.js'

export const JOB = 7
export const LEASE_MS = 10
const POLL_MS = 1

export interface RetryQueueState {
  readonly env: Env
  readonly queue: LeaseQueue
}

/**
 * A worker: polls until it gets the lease, works for a seeded time, then reports
 * completion (whether or not its lease is still valid: it cannot know).
 */
async function worker(state: RetryQueueState, id: number, start_ms: number, work_ms: number): Promise<void> {
  const { env, queue } = state
  await env.sleep(start_ms)
  while (!queue.lease(JOB, id)) {
    if (queue.completions(JOB) > 0) return
    await env.sleep(POLL_MS)
  }
  await env.sleep(work_ms)
  queue.complete(JOB, id)
}

function retryQueueCase(name: string, accept_stale_completions: boolean): Case<RetryQueueState> {
  return {
    name,
    init: (sim) => {
      const queue = new LeaseQueue(sim.env, { lease_ms: LEASE_MS, accept_stale_completions })
      queue.enqueue(JOB)
      return { env: sim.env, queue }
    },
    scenario: async (state) => {
      const { random } = state.env
      // Worker 1 is slow: it always outlives its lease. Worker 2 polls from early
      // on, takes the lease when it expires, and finishes within its own lease but
      // after worker 1's late completion has arrived.
      const slow_work_ms = random.intBetween(LEASE_MS + 1, LEASE_MS + 5)
      const second_start_ms = random.intBetween(1, LEASE_MS - 1)
      const second_work_ms = random.intBetween(6, LEASE_MS - 1)
      await Promise.all([worker(state, 1, 0, slow_work_ms), worker(state, 2, second_start_ms, second_work_ms)])
    },
    checks: [
      {
        name: 'single_completion',
        check: (state) => {
          const completions = state.queue.completions(JOB)
          return completions === 1 || `job ${JOB} was completed ${completions} times`
        },
      },
    ],
  }
}

export const retryQueue = retryQueueCase('retry-queue', false)
export const retryQueueBug = retryQueueCase('retry-queue-bug', true)

import type { Case } from '../../src/run/run.js'
import { randomInt, sleep } from '../helpers.js'
import { recorderOf } from '../recorder.js'
import { LeaseQueue } from './queue.js'

export const JOB = 7
export const LEASE_MS = 10
const POLL_MS = 1

export interface RetryQueueState {
  readonly queue: LeaseQueue
}

/**
 * A worker: polls until it gets the lease, works for a seeded time, then reports
 * completion (whether or not its lease is still valid: it cannot know).
 */
async function worker(queue: LeaseQueue, id: number, start_ms: number, work_ms: number): Promise<void> {
  await sleep(start_ms)
  while (!queue.lease(JOB, id)) {
    if (queue.completions(JOB) > 0) return
    await sleep(POLL_MS)
  }
  await sleep(work_ms)
  queue.complete(JOB, id)
}

function retryQueueCase(name: string, accept_stale_completions: boolean): Case<RetryQueueState> {
  return {
    name,
    init: (sim) => {
      const queue = new LeaseQueue(recorderOf(sim.env), { lease_ms: LEASE_MS, accept_stale_completions })
      queue.enqueue(JOB)
      return { queue }
    },
    scenario: async ({ queue }) => {
      // Worker 1 is slow: it always outlives its lease. Worker 2 polls from early
      // on, takes the lease when it expires, and finishes within its own lease but
      // after worker 1's late completion has arrived.
      const slow_work_ms = randomInt(LEASE_MS + 1, LEASE_MS + 5)
      const second_start_ms = randomInt(1, LEASE_MS - 1)
      const second_work_ms = randomInt(6, LEASE_MS - 1)
      await Promise.all([worker(queue, 1, 0, slow_work_ms), worker(queue, 2, second_start_ms, second_work_ms)])
    },
    checks: [
      {
        name: 'single_completion',
        check: ({ queue }) => {
          const completions = queue.completions(JOB)
          return completions === 1 || `job ${JOB} was completed ${completions} times`
        },
      },
    ],
  }
}

export const retryQueue = retryQueueCase('retry-queue', false)
export const retryQueueBug = retryQueueCase('retry-queue-bug', true)

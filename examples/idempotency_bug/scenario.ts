import type { Case } from '../../src/run/run.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { randomInt, sleep } from '../helpers.js'
import { recorderOf, type Recorder } from '../recorder.js'
import { DepositService, type DepositRequest } from './service.js'

/** Request ids come from a small per-client counter space, as with a restarting client. */
export const REQUEST_ID_SPACE = 1000
/** How often the two clients' id counters happen to line up. */
export const REUSE_RATE = BuggifyRate.percent(5)

export interface IdempotencyState {
  readonly recorder: Recorder
  readonly service: DepositService
  readonly expected: Map<string, number>
}

/**
 * A client: sends its deposit over a flaky link, retrying with the same request
 * id until one attempt gets through and is acknowledged.
 */
async function client(state: IdempotencyState, request: DepositRequest): Promise<void> {
  const { recorder, service } = state
  state.expected.set(request.account, (state.expected.get(request.account) ?? 0) + request.amount)
  for (let attempt = 1; ; attempt++) {
    await sleep(randomInt(1, 20))
    const delivered = randomInt(0, 3) !== 0
    if (delivered) service.deposit(request)
    const acknowledged = delivered && randomInt(0, 2) !== 0
    recorder.record('idempotency.attempt', { account: request.account, attempt, delivered, acknowledged })
    if (acknowledged) return
  }
}

function idempotencyCase(name: string, dedupe_scope: 'account' | 'global'): Case<IdempotencyState> {
  return {
    name,
    init: (sim) => {
      const recorder = recorderOf(sim.env)
      return { recorder, service: new DepositService(recorder, { dedupe_scope }), expected: new Map() }
    },
    scenario: async (state) => {
      const { recorder } = state
      const alice_id = randomInt(0, REQUEST_ID_SPACE - 1)
      let bob_id = randomInt(0, REQUEST_ID_SPACE - 2)
      if (bob_id >= alice_id) bob_id++
      const reused = recorder.buggify('reuse_request_id_across_accounts', REUSE_RATE)
      if (reused) bob_id = alice_id
      recorder.record('idempotency.requests', { alice_id, bob_id, reused })
      await Promise.all([
        client(state, { account: 'alice', request_id: alice_id, amount: 100 }),
        client(state, { account: 'bob', request_id: bob_id, amount: 50 }),
      ])
      for (const [account, amount] of state.expected) {
        if (state.service.balance(account) !== amount) {
          recorder.record('idempotency.invariant_violation', { account, expected: amount, balance: state.service.balance(account) })
        }
      }
    },
    checks: [
      {
        name: 'every_deposit_applied_once',
        check: (state) => {
          for (const [account, amount] of state.expected) {
            const balance = state.service.balance(account)
            if (balance !== amount) return `${account} has balance ${balance}, expected ${amount}`
          }
          return true
        },
      },
    ],
  }
}

export const idempotency = idempotencyCase('idempotency', 'account')
export const idempotencyBug = idempotencyCase('idempotency-bug', 'global')

import type { Case } from '../../src/run/run.js'
import type { Env } from '../../src/sim/env.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { DepositService, type DepositRequest } from './service.js'

/** Request ids come from a small per-client counter space, as with a restarting client. */
export const REQUEST_ID_SPACE = 1000
/** How often the two clients' id counters happen to line up. */
export const REUSE_RATE = BuggifyRate.percent(5)

export interface IdempotencyState {
  readonly env: Env
  readonly service: DepositService
  readonly expected: Map<string, number>
}

/**
 * A client: sends its deposit over a flaky link, retrying with the same request
 * id until one attempt gets through and is acknowledged.
 */
async function client(state: IdempotencyState, request: DepositRequest): Promise<void> {
  const { env, service } = state
  state.expected.set(request.account, (state.expected.get(request.account) ?? 0) + request.amount)
  for (let attempt = 1; ; attempt++) {
    await env.sleep(env.random.intBetween(1, 20))
    const delivered = env.random.intLessThan(4) !== 0
    if (delivered) service.deposit(request)
    const acknowledged = delivered && env.random.intLessThan(3) !== 0
    env.record('idempotency.attempt', { account: request.account, attempt, delivered, acknowledged })
    if (acknowledged) return
  }
}

function idempotencyCase(name: string, dedupe_scope: 'account' | 'global'): Case<IdempotencyState> {
  return {
    name,
    init: (sim) => ({ env: sim.env, service: new DepositService(sim.env, { dedupe_scope }), expected: new Map() }),
    scenario: async (state) => {
      const { env } = state
      const alice_id = env.random.intLessThan(REQUEST_ID_SPACE)
      let bob_id = env.random.intLessThan(REQUEST_ID_SPACE - 1)
      if (bob_id >= alice_id) bob_id++
      const reused = env.buggify('reuse_request_id_across_accounts', REUSE_RATE)
      if (reused) bob_id = alice_id
      env.record('idempotency.requests', { alice_id, bob_id, reused })
      await Promise.all([
        client(state, { account: 'alice', request_id: alice_id, amount: 100 }),
        client(state, { account: 'bob', request_id: bob_id, amount: 50 }),
      ])
      for (const [account, amount] of state.expected) {
        if (state.service.balance(account) !== amount) {
          env.record('idempotency.invariant_violation', { account, expected: amount, balance: state.service.balance(account) })
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

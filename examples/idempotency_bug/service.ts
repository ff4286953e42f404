import type { Recorder } from '../recorder.js'

/**
 * A deposit service with idempotent requests: a client retries a deposit with
 * the same request id, and the service applies it once. Request ids are unique
 * per account only (each account's client numbers its own requests).
 *
 * `dedupe_scope: 'global'` is the deliberate bug: the service remembers request
 * ids across all accounts, so two accounts that happen to use the same id lose
 * the second deposit.
 */
export interface DepositServiceOptions {
  readonly dedupe_scope: 'account' | 'global'
}

export interface DepositRequest {
  readonly account: string
  readonly request_id: number
  readonly amount: number
}

export class DepositService {
  readonly #balances = new Map<string, number>()
  readonly #seen = new Set<string>()

  constructor(
    readonly recorder: Recorder,
    readonly options: DepositServiceOptions,
  ) {}

  /** Applies a deposit unless its request id was already seen; returns whether it was applied. */
  deposit(request: DepositRequest): boolean {
    const key = this.options.dedupe_scope === 'global' ? String(request.request_id) : `${request.account}/${request.request_id}`
    const fields = { account: request.account, request_id: request.request_id, amount: request.amount }
    if (this.#seen.has(key)) {
      const reason = this.options.dedupe_scope === 'global' ? 'global_duplicate' : 'duplicate'
      this.recorder.record('idempotency.deposit', { ...fields, accepted: false, reason })
      return false
    }
    this.#seen.add(key)
    this.#balances.set(request.account, this.balance(request.account) + request.amount)
    this.recorder.record('idempotency.deposit', { ...fields, accepted: true, balance: this.balance(request.account) })
    return true
  }

  balance(account: string): number {
    return this.#balances.get(account) ?? 0
  }
}

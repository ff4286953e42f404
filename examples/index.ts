import { runCase, type RunOptions } from '../src/run/run.js'
import type { RunReport } from '../src/run/report.js'
import { idempotency, idempotencyBug } from './idempotency_bug/scenario.js'
import { retryQueue, retryQueueBug } from './retry_queue/scenario.js'
import { IDEMPOTENCY_FAILING_SEED } from './idempotency_bug/seeds.js'
import { KV_DISK, kvStore, kvStoreBug } from './kv_store/scenario.js'
import { KV_STORE_BUG_SEED } from './kv_store/seeds.js'

/** A bundled example: ordinary code, a scenario, and what a run of it should show. */
export interface Example {
  readonly name: string
  readonly description: string
  /** The seed `npm run examples` uses and the docs quote. */
  readonly default_seed: string
  /** `fail`: a deliberately buggy variant that a named check must catch on `default_seed`. */
  readonly expect: 'pass' | 'fail'
  /** The check that catches the bug. */
  readonly catching_check?: string
  run(options: Omit<RunOptions, 'name'>): Promise<RunReport>
}

export const examples: readonly Example[] = [
  {
    name: 'retry-queue',
    description: 'lease queue that rejects a completion from a worker whose lease expired',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(retryQueue, options),
  },
  {
    name: 'retry-queue-bug',
    description: 'lease queue that accepts a stale completion; single_completion catches the duplicate',
    default_seed: '12648430',
    expect: 'fail',
    catching_check: 'single_completion',
    run: (options) => runCase(retryQueueBug, options),
  },
  {
    name: 'idempotency',
    description: 'deposit service that dedupes retried requests per account',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(idempotency, options),
  },
  {
    name: 'idempotency-bug',
    description: 'deposit service that dedupes request ids globally; only seeds that reuse an id across accounts fail',
    default_seed: IDEMPOTENCY_FAILING_SEED,
    expect: 'fail',
    catching_check: 'every_deposit_applied_once',
    run: (options) => runCase(idempotencyBug, options),
  },
  {
    name: 'kv-store',
    description: 'write-ahead-log store on node:fs/promises whose recovery validates checksums; survives crashes that lose, tear or damage the unsynced record',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(kvStore, { disk: KV_DISK, ...options }),
  },
  {
    name: 'kv-store-bug',
    description: 'the same store recovering by magic value only; damaged_record_rejected catches a torn or damaged record being served',
    default_seed: KV_STORE_BUG_SEED,
    expect: 'fail',
    catching_check: 'damaged_record_rejected',
    run: (options) => runCase(kvStoreBug, { disk: KV_DISK, ...options }),
  },
]

export function findExample(name: string): Example | undefined {
  return examples.find((example) => example.name === name)
}

import { runCase, type RunOptions } from '../src/run/run.js'
import type { RunReport } from '../src/run/report.js'
import { idempotency, idempotencyBug } from './idempotency_bug/scenario.js'
import { retryQueue, retryQueueBug } from './retry_queue/scenario.js'
import { IDEMPOTENCY_FAILING_SEED } from './idempotency_bug/seeds.js'
import { KV_DISK, kvStore, kvStoreBug } from './kv_store/scenario.js'
import { KV_STORE_BUG_SEED } from './kv_store/seeds.js'
import { withProfile } from '../src/run/profiles.js'
import {
  REGISTER_NETWORK,
  registerBug,
  registerConflict,
  registerPartition,
  registerSmoke,
  registerSwarm,
  registerSwarmBug,
  SWARM_NETWORK,
} from './replicated_register/scenario.js'
import { REGISTER_SWARM_BUG_SEED } from './replicated_register/seeds.js'
import { DB_NETWORK, toySqlDb, toySqlDbBug } from './toy_sql_db/scenario.js'
import { TOY_SQL_DB_BUG_SEED } from './toy_sql_db/seeds.js'
import { BROADCAST_NETWORK, durableBroadcast, durableBroadcastBug, durableBroadcastBugFuzz } from './durable_broadcast/scenario.js'
import { DURABLE_BROADCAST_FUZZ_SEED } from './durable_broadcast/seeds.js'

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
  {
    name: 'replicated-register',
    description: 'three replicas and a writer over the simulated network; one write under 20% packet loss reaches a quorum and commits',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(registerSmoke, { network: REGISTER_NETWORK, ...options }),
  },
  {
    name: 'replicated-register-bug',
    description: 'two replicas commit different values for one version; committed_register_is_safe catches the divergence',
    default_seed: '12648430',
    expect: 'fail',
    catching_check: 'committed_register_is_safe',
    run: (options) => runCase(registerBug, { network: REGISTER_NETWORK, ...options }),
  },
  {
    name: 'replicated-register-partition',
    description: 'a write while replica 0 is partitioned away, then the same write after heal reaches replica 0',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(registerPartition, { network: REGISTER_NETWORK, ...options }),
  },
  {
    name: 'replicated-register-conflict',
    description: 'a second value for the same version is rejected by every replica instead of overwriting the first',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(registerConflict, { network: REGISTER_NETWORK, ...options }),
  },
  {
    name: 'replicated-register-swarm',
    description: 'two versions written under the swarm profile\'s network faults (drawn per seed, evolving tick by tick), then healed',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(registerSwarm, withProfile('swarm', { network: SWARM_NETWORK, ...options })),
  },
  {
    name: 'replicated-register-swarm-bug',
    description: 'the swarm scenario with a writer that counts acknowledgement messages, not replicas; caught on seeds where one replica acknowledges twice',
    default_seed: REGISTER_SWARM_BUG_SEED,
    expect: 'fail',
    catching_check: 'committed_register_is_safe',
    run: (options) => runCase(registerSwarmBug, withProfile('swarm', { network: SWARM_NETWORK, ...options })),
  },
  {
    name: 'toy-sql-db',
    description: 'a one-value database and its client over a codec transport (tag byte, little-endian i64) on a lossy network',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(toySqlDb, { network: DB_NETWORK, ...options }),
  },
  {
    name: 'toy-sql-db-bug',
    description: 'the client decodes a row value with a 32-bit read; select_returns_inserted catches seeds that insert a 64-bit value',
    default_seed: TOY_SQL_DB_BUG_SEED,
    expect: 'fail',
    catching_check: 'select_returns_inserted',
    run: (options) => runCase(toySqlDbBug, { network: DB_NETWORK, ...options }),
  },
  {
    name: 'durable-broadcast',
    description: 'a service syncs an operation to its log on node:fs, then broadcasts it to three replicas under network faults; a crash cannot take an acknowledged operation',
    default_seed: '12648430',
    expect: 'pass',
    run: (options) => runCase(durableBroadcast, { network: BROADCAST_NETWORK, ...options }),
  },
  {
    name: 'durable-broadcast-bug',
    description: 'the service broadcasts before it syncs and the crash loses the write; quorum_acknowledgements_are_durable catches it on every seed',
    default_seed: '12648430',
    expect: 'fail',
    catching_check: 'quorum_acknowledgements_are_durable',
    run: (options) => runCase(durableBroadcastBug, { network: BROADCAST_NETWORK, ...options }),
  },
  {
    name: 'durable-broadcast-bug-fuzz',
    description: 'broadcast before sync under network faults, with a crash that loses the pending write on 25% of crashes; caught on the seeds where it does',
    default_seed: DURABLE_BROADCAST_FUZZ_SEED,
    expect: 'fail',
    catching_check: 'quorum_acknowledgements_are_durable',
    run: (options) => runCase(durableBroadcastBugFuzz, { network: BROADCAST_NETWORK, ...options }),
  },
]

export function findExample(name: string): Example | undefined {
  return examples.find((example) => example.name === name)
}

/**
 * The seeds' replicated-register scenarios over the simulated network: three
 * replicas (nodes 0-2) and a writer (node 3), each holding its own typed
 * `Endpoint<RegisterMessage>`, the harness holding `control.network`.
 */
import type { Case, StateCheck } from '../../src/run/run.js'
import type { Control, Simulation } from '../../src/sim/simulation.js'
import type { NetworkOptions } from '../../src/net/network.js'
import { Latency } from '../../src/net/faults.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { recorderOf, type Recorder } from '../recorder.js'
import { whileTicking } from '../ticking.js'
import type { AckCounting, WriteOptions, WriteResult } from './client.js'
import { buildCluster, startCluster, type Cluster, type OpenEndpoint } from './cluster.js'
import { CLIENT_NODE, describeMessage, REPLICA_NODES, type RegisterMessage } from './messages.js'
import type { RegisterReplica } from './replica.js'

export const TICK_NS = 1_000_000
/** One attempt's wait for answers: twenty ticks. */
export const ATTEMPT_TIMEOUT_MS = 20

/**
 * The topology every register scenario declares: packets take 1-2 ms (seeded),
 * and automatic partitions cut replicas only, never the writer.
 */
/** The swarm's topology: its latency, like every other fault setting, is the profile's, drawn per seed. */
export const SWARM_NETWORK: NetworkOptions = { nodes: 4, path_capacity: 64, faults: { partitionable_nodes: REPLICA_NODES } }

export const REGISTER_NETWORK: NetworkOptions = {
  nodes: 4,
  path_capacity: 64,
  faults: { latency: Latency.uniform(TICK_NS, TICK_NS), partitionable_nodes: REPLICA_NODES },
}

export interface RegisterState extends Cluster {
  readonly control: Control
  readonly recorder: Recorder
  readonly writes: WriteResult[]
}

function clusterOn(sim: Simulation, ack_counting: AckCounting): RegisterState {
  const recorder = recorderOf(sim.env)
  const open: OpenEndpoint = (node, peers) => sim.network.endpoint<RegisterMessage>(node, { peers, describe: describeMessage })
  const cluster = buildCluster(open, recorder, { attempt_timeout_ms: ATTEMPT_TIMEOUT_MS, ack_counting })
  return { ...cluster, control: sim.control, recorder, writes: [] }
}

async function write(state: RegisterState, options: WriteOptions): Promise<void> {
  state.writes.push(await state.client.write(options))
}

/** A write while the harness ticks the world, so clogs and automatic partitions evolve under it. */
async function writeTicking(state: RegisterState, options: WriteOptions): Promise<void> {
  state.writes.push(await whileTicking(state.control, state.client.write(options)))
}

const committedRegisterIsSafe: StateCheck<RegisterState> = {
  name: 'committed_register_is_safe',
  check: (state) => state.checker.check(state.replicas, state.recorder),
}

/** The partition scenario's own check: the replica that was cut off committed once the network healed. */
const isolatedReplicaCommitted: StateCheck<RegisterState> = {
  name: 'isolated_replica_committed',
  check: ({ replicas, recorder }) => {
    const replica = replicas[0] as RegisterReplica
    const committed = replica.committed
    if (committed?.version === 1 && committed.value === 41) {
      recorder.record('register.check', { replica_committed: 'ok', replica: replica.node, version: 1, value: 41 })
      return true
    }
    recorder.record('register.invariant_violation', {
      kind: 'replica_not_committed',
      replica: replica.node,
      expected_version: 1,
      expected_value: 41,
      actual_version: committed?.version ?? 'null',
      actual_value: committed?.value ?? 'null',
    })
    return `replica ${replica.node} committed ${JSON.stringify(committed)}, expected version 1 value 41`
  },
}

function registerCase(
  name: string,
  scenario: (state: RegisterState) => Promise<void>,
  options: { ack_counting?: AckCounting; checks?: readonly StateCheck<RegisterState>[] } = {},
): Case<RegisterState> {
  return {
    name,
    init: (sim) => clusterOn(sim, options.ack_counting ?? 'replicas'),
    scenario: async (state) => {
      startCluster(state)
      await scenario(state)
    },
    checks: [committedRegisterIsSafe, ...(options.checks ?? [])],
  }
}

/** Smoke: one write under 20% packet loss, retried up to 8 times. */
export const registerSmoke = registerCase('replicated-register', async (state) => {
  state.control.network.setLossiness({ loss_rate: BuggifyRate.percent(20) })
  await write(state, { version: 1, value: 41, retry_limit: 8 })
})

/**
 * The seeds' deliberately buggy scenario: after a write commits version 1 = 41,
 * replica 1's committed state is written directly (the seeds' `forceCommit`)
 * with another value for version 1, and diverges from the others.
 */
export const registerBug = registerCase('replicated-register-bug', async (state) => {
  await write(state, { version: 1, value: 41, retry_limit: 1 })
  ;(state.replicas[1] as RegisterReplica).forceCommit(1, 42)
})

/** Replica 0 cut off from the others and the writer during a write; healed; the same value written again reaches it. */
export const registerPartition = registerCase(
  'replicated-register-partition',
  async (state) => {
    state.control.network.partition([0], [1, 2, CLIENT_NODE])
    await write(state, { version: 1, value: 41, retry_limit: 2 })
    state.control.network.heal()
    await write(state, { version: 1, value: 41, retry_limit: 1 })
  },
  { checks: [isolatedReplicaCommitted] },
)

/** Two values for one version: the second is rejected by every replica, never overwrites the first. */
export const registerConflict = registerCase('replicated-register-conflict', async (state) => {
  await write(state, { version: 1, value: 41, retry_limit: 1 })
  await write(state, { version: 1, value: 42, retry_limit: 1 })
})

/**
 * The swarm scenario (run under the `swarm` profile: its network faults are
 * the run's, drawn per seed): two versions written while faults evolve tick by
 * tick, then the network healed and calmed and the last version written again.
 */
async function swarm(state: RegisterState): Promise<void> {
  const network = state.control.network
  await state.control.runFor(4 * TICK_NS)
  await writeTicking(state, { version: 1, value: 41, retry_limit: 6 })
  await state.control.runFor(4 * TICK_NS)
  await writeTicking(state, { version: 2, value: 42, retry_limit: 6 })
  network.heal()
  network.unclogAll()
  network.setLossiness({ loss_rate: BuggifyRate.never(), duplicate_rate: BuggifyRate.never() })
  network.setClogs({ clog_rate: BuggifyRate.never() })
  network.setPartitionDynamics({ partition_rate: BuggifyRate.never() })
  network.setLatency(Latency.fixed(TICK_NS))
  await writeTicking(state, { version: 2, value: 42, retry_limit: 2 })
}

export const registerSwarm = registerCase('replicated-register-swarm', swarm)
/** The swarm scenario with a writer that counts acknowledgement messages instead of replicas. */
export const registerSwarmBug = registerCase('replicated-register-swarm-bug', swarm, { ack_counting: 'messages' })

/**
 * Durable broadcast over the simulated disk and network together: the
 * service on node 3 with its log on the simulated `node:fs`, replicas on
 * nodes 0-2. The harness crashes and restarts the disk after the broadcast;
 * the check holds the service to "what a quorum acknowledged is durable".
 */
import type { Case } from '../../src/run/run.js'
import type { Control } from '../../src/sim/simulation.js'
import type { NetworkOptions } from '../../src/net/network.js'
import type { Endpoint } from '../../src/net/endpoint.js'
import { Latency } from '../../src/net/faults.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { recorderOf, type Recorder } from '../recorder.js'
import { whileTicking } from '../ticking.js'
import { OpLog, type Op } from './op_log.js'
import { BroadcastReplica, describeMessage, type BroadcastMessage } from './replica.js'
import { DurableBroadcast, type SyncOrder } from './service.js'

export const DATA_DIRECTORY = '/data'
export const SERVICE_NODE = 3
export const REPLICA_NODES = [0, 1, 2] as const
export const ATTEMPT_TIMEOUT_MS = 10
const MS = 1_000_000

/** Packets take 1-2 ms (seeded); automatic partitions cut replicas only, never the service. */
export const BROADCAST_NETWORK: NetworkOptions = {
  nodes: 4,
  path_capacity: 96,
  faults: { latency: Latency.uniform(MS, MS), partitionable_nodes: REPLICA_NODES },
}
/** The probabilistic sweep's crash: each pending write is lost on a quarter of crashes, lands on the rest. */
export const FUZZ_CRASH_LOST_WRITE_RATE = BuggifyRate.percent(25)

export interface BroadcastState {
  readonly control: Control
  readonly recorder: Recorder
  readonly endpoint: Endpoint<BroadcastMessage>
  readonly replicas: readonly BroadcastReplica[]
  service: DurableBroadcast | null
}

interface Plan {
  readonly order: SyncOrder
  readonly op: Op
  readonly retry_limit: number
  /** The seeds' network faults (loss, jitter, clogs, partitions) during the broadcasts. */
  readonly network_faults: boolean
  readonly crash_lost_write_rate: BuggifyRate
  /** After recovery, heal and broadcast the recovered operation again. */
  readonly rebroadcast: boolean
}

function setNetworkFaults(control: Control): void {
  const network = control.network
  network.setLossiness({ loss_rate: BuggifyRate.percent(10) })
  network.setLatency(Latency.uniform(MS, 2 * MS))
  network.setClogs({ clog_rate: BuggifyRate.percent(5), clog_duration_min_ns: 2 * MS })
  network.setPartitionDynamics({
    partition_rate: BuggifyRate.percent(5),
    unpartition_rate: BuggifyRate.percent(20),
    partition_stability_min_ns: 2 * MS,
    unpartition_stability_min_ns: 2 * MS,
  })
}

const sameOp = (a: Op | null, b: Op): boolean => a !== null && a.id === b.id && a.value === b.value

function broadcastCase(name: string, plan: Plan): Case<BroadcastState> {
  return {
    name,
    init: (sim) => {
      const recorder = recorderOf(sim.env)
      const describe = { describe: describeMessage }
      const replicas = REPLICA_NODES.map(
        (node) => new BroadcastReplica(sim.network.endpoint<BroadcastMessage>(node, { ...describe, peers: [SERVICE_NODE] }), recorder),
      )
      const endpoint = sim.network.endpoint<BroadcastMessage>(SERVICE_NODE, { ...describe, peers: REPLICA_NODES })
      return { control: sim.control, recorder, endpoint, replicas, service: null }
    },
    scenario: async (state) => {
      const { control, recorder } = state
      for (const replica of state.replicas) replica.start()
      if (plan.network_faults) setNetworkFaults(control)
      control.disk.setFaults({ crash_lost_write_rate: plan.crash_lost_write_rate })
      const options = { replicas: REPLICA_NODES, attempt_timeout_ms: ATTEMPT_TIMEOUT_MS, order: plan.order }
      const service = new DurableBroadcast(await OpLog.open(DATA_DIRECTORY, recorder), state.endpoint, recorder, options)
      state.service = service
      await whileTicking(control, service.submit(plan.op, plan.retry_limit))
      control.disk.crash()
      control.disk.restart()
      await service.recover(await OpLog.open(DATA_DIRECTORY, recorder))
      if (!plan.rebroadcast) return
      control.network.heal()
      await whileTicking(control, service.broadcastRecovered(3))
    },
    checks: [
      {
        name: 'quorum_acknowledgements_are_durable',
        check: ({ service, replicas, recorder }) => {
          if (service === null) return 'the service never started'
          const durable = service.durable_op
          const quorum_op = service.last_quorum_op
          if (quorum_op !== null && !sameOp(durable, quorum_op)) {
            const fields = { reason: 'quorum_without_durable', op: quorum_op.id, value: quorum_op.value, durable_present: durable !== null }
            recorder.record('durable.invariant_violation', fields)
            return `a quorum acknowledged op ${quorum_op.id} value ${quorum_op.value}, the recovered log holds ${JSON.stringify(durable)}`
          }
          let accepted_count = 0
          for (const replica of replicas) {
            const accepted = replica.accepted
            if (accepted === null) continue
            accepted_count++
            if (!sameOp(durable, accepted)) {
              const node = replica.endpoint.node
              recorder.record('durable.invariant_violation', {
                reason: 'replica_without_durable',
                replica: node,
                op: accepted.id,
                value: accepted.value,
                durable_present: durable !== null,
              })
              return `replica ${node} accepted op ${accepted.id} value ${accepted.value}, the recovered log holds ${JSON.stringify(durable)}`
            }
          }
          recorder.record('durable.check', { quorum_durable: 'ok', accepted_count, durable_present: durable !== null })
          return true
        },
      },
    ],
  }
}

/** The seeds' correct scenario: sync, broadcast under network faults, crash losing pending writes, recover, heal, rebroadcast. */
export const durableBroadcast = broadcastCase('durable-broadcast', {
  order: 'sync_before_broadcast',
  op: { id: 1, value: 41 },
  retry_limit: 8,
  network_faults: true,
  crash_lost_write_rate: BuggifyRate.always(),
  rebroadcast: true,
})

/** The seeds' buggy scenario: broadcast before sync, and a crash that always loses the pending write. */
export const durableBroadcastBug = broadcastCase('durable-broadcast-bug', {
  order: 'broadcast_before_sync',
  op: { id: 1, value: 99 },
  retry_limit: 1,
  network_faults: false,
  crash_lost_write_rate: BuggifyRate.always(),
  rebroadcast: false,
})

/** Roadmap item 5: the same bug under the correct scenario's faults, with a crash that loses the pending write only sometimes. */
export const durableBroadcastBugFuzz = broadcastCase('durable-broadcast-bug-fuzz', {
  order: 'broadcast_before_sync',
  op: { id: 1, value: 99 },
  retry_limit: 8,
  network_faults: true,
  crash_lost_write_rate: FUZZ_CRASH_LOST_WRITE_RATE,
  rebroadcast: true,
})

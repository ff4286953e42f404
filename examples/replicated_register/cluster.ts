/**
 * Builds the register cluster (three replicas, a writer, the checker watching
 * the replicas) on whatever endpoints it is handed: the simulated network's in
 * the scenarios, real loopback sockets in the parity test. The replica and
 * writer code is the same either way.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import { RegisterChecker } from './checker.js'
import { RegisterClient, type AckCounting } from './client.js'
import { CLIENT_NODE, REPLICA_NODES, type RegisterMessage, type RegisterValue } from './messages.js'
import { RegisterReplica } from './replica.js'

/** Opens `node`'s endpoint, allowed to send to `peers`. */
export type OpenEndpoint = (node: NodeId, peers: readonly NodeId[]) => Endpoint<RegisterMessage>

export interface Cluster {
  readonly replicas: readonly RegisterReplica[]
  readonly client: RegisterClient
  readonly checker: RegisterChecker
}

export interface ClusterOptions {
  readonly attempt_timeout_ms: number
  readonly ack_counting?: AckCounting
}

export function buildCluster(open: OpenEndpoint, recorder: Recorder, options: ClusterOptions): Cluster {
  const checker = new RegisterChecker()
  const replicas = REPLICA_NODES.map((node) => new RegisterReplica(open(node, [CLIENT_NODE]), recorder, checker))
  const client = new RegisterClient(open(CLIENT_NODE, REPLICA_NODES), recorder, {
    replicas: REPLICA_NODES,
    attempt_timeout_ms: options.attempt_timeout_ms,
    ack_counting: options.ack_counting ?? 'replicas',
  })
  return { replicas, client, checker }
}

/** Replicas serve and the writer listens from here on. */
export function startCluster(cluster: Cluster): void {
  for (const replica of cluster.replicas) replica.start()
  cluster.client.start()
}

/** What the replicas hold: the parity test compares this between transports. */
export interface ReplicaSnapshot {
  readonly replica: NodeId
  readonly accepted: RegisterValue | null
  readonly committed: RegisterValue | null
  readonly commit_log: readonly RegisterValue[]
}

export function snapshot(cluster: Cluster): ReplicaSnapshot[] {
  return cluster.replicas.map((replica) => ({
    replica: replica.node,
    accepted: replica.accepted,
    committed: replica.committed,
    commit_log: [...replica.commit_log],
  }))
}

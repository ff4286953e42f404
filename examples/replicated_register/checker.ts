/**
 * The register's safety checker (the seeds' "committed register is safe"),
 * VOPR-style: it watches every accept and commit as the replicas apply them
 * (as their `ReplicaObserver`) and inspects their state at the end.
 *
 * - committed agreement: for every version, every replica that committed it
 *   committed the same value (the seeds compare final committed values; with
 *   several versions written, the commit logs are what must agree);
 * - committed quorum: when a replica applied a commit, a quorum of replicas
 *   had accepted that (version, value). Checked at the moment of the commit,
 *   so a later write that completes the quorum cannot hide the violation.
 */
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import { QUORUM, type RegisterValue } from './messages.js'
import type { RegisterReplica, ReplicaObserver } from './replica.js'

interface CommitWithoutQuorum {
  readonly replica: NodeId
  readonly entry: RegisterValue
  readonly accepted_count: number
}

const keyOf = (entry: RegisterValue): string => `${entry.version}:${entry.value}`

export class RegisterChecker implements ReplicaObserver {
  readonly #accepted_by = new Map<string, Set<NodeId>>()
  readonly #commits_without_quorum: CommitWithoutQuorum[] = []

  accepted(replica: NodeId, entry: RegisterValue): void {
    const key = keyOf(entry)
    let replicas = this.#accepted_by.get(key)
    if (replicas === undefined) {
      replicas = new Set()
      this.#accepted_by.set(key, replicas)
    }
    replicas.add(replica)
  }

  committed(replica: NodeId, entry: RegisterValue): void {
    const accepted_count = this.#accepted_by.get(keyOf(entry))?.size ?? 0
    if (accepted_count < QUORUM) this.#commits_without_quorum.push({ replica, entry, accepted_count })
  }

  /** The named check: records what it finds (`register.check`, `register.invariant_violation`) and returns a failure detail or true. */
  check(replicas: readonly RegisterReplica[], recorder: Recorder): true | string {
    const first_commit = new Map<number, { replica: NodeId; value: number }>()
    for (const replica of replicas) {
      for (const { version, value } of replica.commit_log) {
        const first = first_commit.get(version)
        if (first === undefined) {
          first_commit.set(version, { replica: replica.node, value })
        } else if (first.value !== value) {
          recorder.record('register.invariant_violation', {
            kind: 'committed_divergence',
            replica: replica.node,
            version,
            expected_value: first.value,
            actual_value: value,
          })
          return `replica ${replica.node} committed value ${value} for version ${version}, replica ${first.replica} committed ${first.value}`
        }
      }
    }
    const committed_count = replicas.filter((replica) => replica.committed !== null).length
    recorder.record('register.check', { committed_agreement: 'ok', committed_count })
    const violation = this.#commits_without_quorum[0]
    if (violation !== undefined) {
      const { replica, entry, accepted_count } = violation
      recorder.record('register.invariant_violation', {
        kind: 'commit_without_accepted_quorum',
        replica,
        version: entry.version,
        value: entry.value,
        accepted_count,
      })
      return `replica ${replica} committed version ${entry.version} value ${entry.value} when ${accepted_count} replica(s) had accepted it`
    }
    recorder.record('register.check', { committed_quorum: 'ok' })
    return true
  }
}

/**
 * A register replica: a server that holds one accepted and one committed
 * (version, value) and answers the client over whatever `Endpoint` it is
 * given, simulated or real. Not a consensus protocol (the seeds say so too):
 * just enough rules for the checker to have something to hold it to.
 *
 * - accept: a lower version than the accepted one is rejected, and so is a
 *   different value for the same version (no overwrite of accepted state);
 * - commit: the same rules against the committed value. Every commit applied
 *   is appended to `commit_log`, which the checker reads.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import type { RegisterMessage, RegisterValue } from './messages.js'

/** Bound of a replica's commit log: far above what a scenario writes. */
export const MAX_COMMIT_LOG = 1024

/** Told of every accept and commit as it happens (a metrics hook in production; the checker in tests). */
export interface ReplicaObserver {
  accepted?(replica: NodeId, entry: RegisterValue): void
  committed?(replica: NodeId, entry: RegisterValue): void
}

/** The seeds' rule for both accept and commit: never go back a version, never change a version's value. */
function admits(current: RegisterValue | null, version: number, value: number): boolean {
  if (current === null) return true
  if (version < current.version) return false
  return !(version === current.version && value !== current.value)
}

export class RegisterReplica {
  #accepted: RegisterValue | null = null
  #committed: RegisterValue | null = null
  readonly #commit_log: RegisterValue[] = []

  constructor(
    readonly endpoint: Endpoint<RegisterMessage>,
    readonly recorder: Recorder,
    readonly observer: ReplicaObserver = {},
  ) {}

  get node(): NodeId {
    return this.endpoint.node
  }

  get accepted(): RegisterValue | null {
    return this.#accepted
  }

  get committed(): RegisterValue | null {
    return this.#committed
  }

  /** Every commit this replica applied, in order. */
  get commit_log(): readonly RegisterValue[] {
    return this.#commit_log
  }

  /** Starts serving: each propose and commit is answered as it arrives. */
  start(): void {
    this.endpoint.onMessage((message, from) => this.#handle(message, from))
  }

  accept(version: number, value: number): boolean {
    const accepted = admits(this.#accepted, version, value)
    if (accepted) {
      this.#accepted = { version, value }
      this.observer.accepted?.(this.node, this.#accepted)
    }
    this.recorder.record('replica.accept', { replica: this.node, version, value, accepted })
    return accepted
  }

  commit(version: number, value: number): boolean {
    const committed = admits(this.#committed, version, value)
    if (committed) this.#apply({ version, value })
    this.recorder.record('replica.commit', { replica: this.node, version, value, committed })
    return committed
  }

  /**
   * Writes committed state directly, skipping every rule: the deliberate bug of
   * `replicated-register-bug` (the seeds' `forceCommit`), which the checker must catch.
   */
  forceCommit(version: number, value: number): void {
    this.#apply({ version, value })
    this.recorder.record('replica.commit', { replica: this.node, version, value, forced: true })
  }

  #apply(entry: RegisterValue): void {
    if (this.#commit_log.length >= MAX_COMMIT_LOG) throw new RangeError(`replica ${this.node}: more than ${MAX_COMMIT_LOG} commits`)
    this.#committed = entry
    this.#commit_log.push(entry)
    this.observer.committed?.(this.node, entry)
  }

  #handle(message: RegisterMessage, from: NodeId): void {
    const { version, value } = message
    if (message.kind === 'propose') {
      this.endpoint.send(from, { kind: 'accepted', version, value, ok: this.accept(version, value) })
    } else if (message.kind === 'commit') {
      this.endpoint.send(from, { kind: 'committed', version, value, ok: this.commit(version, value) })
    }
    // Replies are the client's business; a replica ignores any that reach it.
  }
}
